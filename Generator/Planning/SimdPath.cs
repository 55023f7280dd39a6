using KernelGen.Generator.Model;

namespace KernelGen.Generator.Planning;

/// <summary>
/// One SIMD path of the emitted kernels, covering head_dim with <see cref="Chunks"/>. The runtime's
/// <c>SimdPolicy</c> picks one path per process; the JIT folds the choice, so the others are dead code.
/// </summary>
/// <param name="Name">"Vector512", "Vector256", "Vector128" or "Scalar".</param>
/// <param name="Bits">The vector width in bits; 0 for the scalar path.</param>
/// <param name="Chunks">head_dim split into loads, widest first; no loop, no remainder loop.</param>
internal sealed record SimdPath(string Name, int Bits, EquatableArray<VectorChunk> Chunks)
{
    /// <summary>"2 × Vector512 + 1 × Vector256", for comments.</summary>
    public string Describe()
    {
        var parts = new System.Collections.Generic.List<string>();
        int i = 0;
        while (i < Chunks.Count)
        {
            int j = i;
            while (j < Chunks.Count && Chunks[j].Floats == Chunks[i].Floats)
            {
                j++;
            }

            parts.Add((j - i) + " × " + (Chunks[i].VectorType ?? "float"));
            i = j;
        }

        return string.Join(" + ", parts);
    }
}
