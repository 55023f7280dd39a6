using System;
using System.Collections.Generic;
using System.Globalization;

namespace KernelGen.Checkpoints;

/// <summary>
/// Checks every checkpoint reader applies to the numbers a file states before it allocates or hands
/// them on: the rotary base and RMSNorm epsilon the decoder will use, and the size of the payload the
/// shape describes. Each failure is a <see cref="CheckpointException"/> naming the file and the key.
/// </summary>
internal static class CheckpointRules
{
    /// <summary>
    /// Floats the legacy RoPE table slots of a payload may always take (64 MiB). Those slots are not
    /// in a GGUF or safetensors file, so their size rests only on the declared context length: they
    /// may take this many, or as many as the parameters the file really holds, whichever is more
    /// (Llama 3.1 8B: 131,072 positions x 64 pairs x 2 = 16.8M floats beside 8 billion parameters).
    /// A small file claiming a huge context is refused before anything is allocated for it.
    /// </summary>
    public const long MaxRopeTableFloats = 1L << 24;

    /// <summary>
    /// Refuses a context whose legacy RoPE table slots would take more than <see cref="MaxRopeTableFloats"/>
    /// and more than the parameters (already found in the file); call it after checking the tensors.
    /// </summary>
    public static void CheckContext(string path, string key, string where, ModelShape shape, long payloadFloats)
    {
        long ropeTables = 2L * shape.MaxSeqLen * (shape.HeadDim / 2);
        long parameters = payloadFloats - ropeTables;
        if (ropeTables > MaxRopeTableFloats && ropeTables > parameters)
        {
            throw new CheckpointException(path, key, string.Create(CultureInfo.InvariantCulture,
                $"{where}: {key} is {shape.MaxSeqLen}; at head_dim {shape.HeadDim} its rotary table slots take {ropeTables} floats, more than the model's {parameters} parameters and than {MaxRopeTableFloats}: the context is implausible for the weights in the file."));
        }
    }

    /// <summary>The rotary base: finite and above 1 (the decoder's rule), in float32.</summary>
    public static float RopeTheta(string path, string key, string where, double value)
    {
        float theta = (float)value;
        if (!(theta > 1f) || !float.IsFinite(theta))
        {
            throw new CheckpointException(path, key, string.Create(CultureInfo.InvariantCulture,
                $"{where}: {key} is {value}; the rotary base must be a finite float32 above 1 (Llama uses 10000 or 500000)."));
        }

        return theta;
    }

    /// <summary>The RMSNorm epsilon: finite and above 0 in float32, and below 1.</summary>
    public static float Epsilon(string path, string key, string where, double value)
    {
        float epsilon = (float)value;
        if (!(epsilon > 0f) || !(epsilon < 1f))
        {
            throw new CheckpointException(path, key, string.Create(CultureInfo.InvariantCulture,
                $"{where}: {key} is {value}; the RMSNorm epsilon must be a float32 above 0 and below 1 (Llama uses 1e-5 or 1e-6)."));
        }

        return epsilon;
    }

    /// <summary>
    /// The parameter tensors of <paramref name="shape"/> and the floats of its payload, or a
    /// <see cref="CheckpointException"/> naming <paramref name="sizeKeys"/> when the sizes overflow a
    /// 64-bit count or leave no feed-forward block or vocabulary.
    /// </summary>
    public static List<LlamaTensor> Tensors(string path, string sizeKeys, string where, ModelShape shape, bool shared, out long payloadFloats)
    {
        try
        {
            var tensors = LlamaTensors.For(shape, shared);
            payloadFloats = LlamaWeights.PayloadLength(shape, shared);
            return tensors;
        }
        catch (OverflowException e)
        {
            throw new CheckpointException(path, sizeKeys, string.Create(CultureInfo.InvariantCulture,
                $"{where}: {sizeKeys} describe a model ({shape}) with more floats than a 64-bit count holds."), e);
        }
        catch (ArgumentException e)
        {
            throw new CheckpointException(path, sizeKeys, $"{where}: {sizeKeys} describe a model without a feed-forward block or a vocabulary ({shape}); a decoder needs both.", e);
        }
    }
}
