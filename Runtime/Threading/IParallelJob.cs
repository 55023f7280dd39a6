namespace KernelGen.Threading;

/// <summary>Work split into numbered items that any worker may run, in any order.</summary>
public interface IParallelJob
{
    /// <summary>Runs item <paramref name="item"/> on worker <paramref name="worker"/> (0 is the calling thread).</summary>
    void Execute(int item, int worker);
}
