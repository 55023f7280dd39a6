namespace KernelGen.Caching;

/// <summary>
/// Contiguous positions stored in contiguous cache slots: <see cref="Count"/> positions from
/// <see cref="Position"/>, in the slots from <see cref="Slot"/>. A rolling layout splits a range of
/// positions into at most three (sinks, ring, wrapped ring); see <see cref="KvCacheLayout.ToSlotRuns"/>.
/// </summary>
/// <param name="Slot">The first slot.</param>
/// <param name="Position">The first position.</param>
/// <param name="Count">How many positions (and slots).</param>
public readonly record struct SlotRun(int Slot, int Position, int Count);
