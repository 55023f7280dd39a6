namespace KernelGen.Checkpoints;

/// <summary>
/// The element types of GGUF tensors that KernelGen reads (ggml's <c>ggml_type</c> numbers). F16 and
/// BF16 are widened to float32 once, at load; the quantized types stay in their blocks in memory and
/// are dequantized inside the matrix-vector kernels (<see cref="KernelGen.Quantization.QuantizedBlocks"/>).
/// </summary>
public enum GgufTensorType : uint
{
    /// <summary>IEEE 754 float32.</summary>
    F32 = 0,

    /// <summary>IEEE 754 half precision.</summary>
    F16 = 1,

    /// <summary>Blocks of 32: one float16 scale, 32 four-bit values offset by 8 (18 bytes).</summary>
    Q4_0 = 2,

    /// <summary>Blocks of 32: one float16 scale, 32 five-bit values offset by 16 (22 bytes).</summary>
    Q5_0 = 6,

    /// <summary>Blocks of 32: one float16 scale, 32 signed bytes (34 bytes).</summary>
    Q8_0 = 8,

    /// <summary>Super-blocks of 256: float16 scale and minimum, eight 6-bit sub-block scales and minima, 256 four-bit values (144 bytes).</summary>
    Q4_K = 12,

    /// <summary>Super-blocks of 256: as <see cref="Q4_K"/> with a fifth bit per value (176 bytes).</summary>
    Q5_K = 13,

    /// <summary>Super-blocks of 256: float16 scale, sixteen 8-bit sub-block scales, 256 six-bit values offset by 32 (210 bytes).</summary>
    Q6_K = 14,

    /// <summary>bfloat16: the top half of a float32.</summary>
    BF16 = 30,
}
