namespace KernelGen.Checkpoints;

/// <summary>
/// The element types of GGUF tensors that KernelGen reads (ggml's <c>ggml_type</c> numbers). F16 and
/// BF16 are widened to float32 once, at load; quantized types are refused with their name.
/// </summary>
public enum GgufTensorType : uint
{
    /// <summary>IEEE 754 float32.</summary>
    F32 = 0,

    /// <summary>IEEE 754 half precision.</summary>
    F16 = 1,

    /// <summary>bfloat16: the top half of a float32.</summary>
    BF16 = 30,
}
