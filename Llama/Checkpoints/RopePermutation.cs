using System;

namespace KernelGen.Checkpoints;

/// <summary>
/// Reorders the rows of Wq or Wk between the two rotary layouts. Within each head, the interleaved
/// (Meta, llama2.c, GGUF) layout keeps pair m in rows 2m and 2m+1; the rotate-half (Hugging Face)
/// layout keeps it in rows m and m + head_dim/2. Moving the rows moves the projected elements, so
/// the same weights give the same attention under either layout's rotation.
/// </summary>
/// <remarks>
/// This is the permutation Hugging Face's conversion script applies to Meta's checkpoints, and
/// llama.cpp's <c>convert_hf_to_gguf.py</c> (its <c>permute</c>) undoes, written here from that
/// definition: rotate-half row <c>h·d + s·d/2 + m</c> is interleaved row <c>h·d + 2m + s</c>.
/// </remarks>
internal static class RopePermutation
{
    /// <summary>Rows of an interleaved-layout matrix reordered into the rotate-half layout.</summary>
    public static void ToRotateHalf(ReadOnlySpan<float> interleaved, Span<float> rotateHalf, int heads, int columns) =>
        Permute(interleaved, rotateHalf, heads, columns, toRotateHalf: true);

    /// <summary>Rows of a rotate-half-layout matrix reordered into the interleaved layout.</summary>
    public static void ToInterleaved(ReadOnlySpan<float> rotateHalf, Span<float> interleaved, int heads, int columns) =>
        Permute(rotateHalf, interleaved, heads, columns, toRotateHalf: false);

    private static void Permute(ReadOnlySpan<float> source, Span<float> destination, int heads, int columns, bool toRotateHalf)
    {
        int rows = source.Length / columns;
        if (source.Length != destination.Length || rows * columns != source.Length || rows % heads != 0 || (rows / heads) % 2 != 0)
        {
            throw new ArgumentException($"Cannot reorder a {source.Length}-float matrix of {columns} columns over {heads} heads of even size.");
        }

        int headDim = rows / heads, half = headDim / 2;
        for (int h = 0; h < heads; h++)
        {
            for (int m = 0; m < half; m++)
            {
                for (int s = 0; s < 2; s++)
                {
                    int interleavedRow = h * headDim + 2 * m + s;
                    int rotateHalfRow = h * headDim + s * half + m;
                    int from = toRotateHalf ? interleavedRow : rotateHalfRow;
                    int to = toRotateHalf ? rotateHalfRow : interleavedRow;
                    source.Slice(from * columns, columns).CopyTo(destination.Slice(to * columns, columns));
                }
            }
        }
    }
}
