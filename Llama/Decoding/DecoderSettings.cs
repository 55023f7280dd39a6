using System;
using System.Collections.Generic;
using System.Globalization;
using KernelGen.Patterns;

namespace KernelGen.Decoding;

/// <summary>
/// The numbers a Llama-family decoder needs besides its weights and shape: rotary base and layout,
/// RMSNorm epsilon, and an optional sliding attention window. llama2.c checkpoints store none of
/// them (<see cref="Llama2C"/> holds run.c's constants); GGUF metadata and Hugging Face
/// <c>config.json</c> do.
/// </summary>
public sealed record DecoderSettings
{
    /// <summary>run.c's constants: θ = 10000, ε = 1e-5, interleaved pairs, dense attention.</summary>
    public static DecoderSettings Llama2C { get; } = new();

    /// <summary>Rotary base θ (<c>rope_theta</c>, <c>llama.rope.freq_base</c>).</summary>
    public float RopeTheta { get; init; } = 10000f;

    /// <summary>RMSNorm ε (<c>rms_norm_eps</c>, <c>llama.attention.layer_norm_rms_epsilon</c>).</summary>
    public float RmsNormEpsilon { get; init; } = 1e-5f;

    /// <summary>Where each rotary pair's two elements sit in a head.</summary>
    public RopeLayout RopeLayout { get; init; } = RopeLayout.Interleaved;

    /// <summary>
    /// Keys each query attends on every layer, itself included (Mistral's <c>sliding_window</c>):
    /// query i attends key j when i − j &lt; window. 0 means dense.
    /// </summary>
    public int SlidingWindow { get; init; }

    /// <summary>
    /// For quantized weights (Q8_0, Q4_0, Q5_0 on AVX2): round each activation vector to 8 bits per 32
    /// values, as llama.cpp does, and multiply with integer dot products — faster, at a relative error of
    /// about 2^-8 per activation (<see cref="KernelGen.Quantization.Q8Activations"/>). False keeps float32
    /// activations: exactly the float arithmetic on the dequantized weights. Float32 weights ignore it.
    /// </summary>
    public bool QuantizeActivations { get; init; } = true;

    /// <summary>
    /// The attention pattern of each layer for a model of <paramref name="shape"/>: a
    /// <see cref="AttentionPattern.SlidingWindow"/> on every layer when the window is shorter than the
    /// context, otherwise null (dense everywhere, which a window as long as the context is).
    /// </summary>
    public IReadOnlyList<AttentionPattern>? LayerPatterns(ModelShape shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (SlidingWindow <= 0 || SlidingWindow >= shape.MaxSeqLen)
        {
            return null;
        }

        var window = AttentionPattern.SlidingWindow(SlidingWindow);
        var patterns = new AttentionPattern[shape.Layers];
        Array.Fill(patterns, window);
        return patterns;
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"rope θ {RopeTheta}, {(RopeLayout == RopeLayout.Interleaved ? "interleaved" : "rotate-half")} pairs; rms ε {RmsNormEpsilon}; {(SlidingWindow > 0 ? $"sliding window {SlidingWindow}" : "dense attention")}");
}
