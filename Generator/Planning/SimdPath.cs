using KernelGen.Generator.Model;

namespace KernelGen.Generator.Planning;

/// <summary>
/// One SIMD path of the emitted kernels: taken when <see cref="Guard"/> holds (a JIT-time constant,
/// so the other paths are dead code), covering head_dim with <see cref="Chunks"/>.
/// </summary>
/// <param name="Name">"Vector512", "Vector256", "Vector128" or "Scalar".</param>
/// <param name="Guard">The C# condition that selects it, or null for the last (scalar) path.</param>
/// <param name="OpsType">Name of the emitted struct that implements the head operations on this path.</param>
/// <param name="Chunks">head_dim split into loads, widest first; no loop, no remainder loop.</param>
internal sealed record SimdPath(string Name, string? Guard, string OpsType, EquatableArray<VectorChunk> Chunks)
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
