using KernelGen;

namespace KernelGen.Bench.Quantized;

/// <summary>
/// The quantized peer suite's model: TinyLlama's shape (dim 2048, 32 query heads over 8 KV heads,
/// hidden 5632, vocabulary 32000) with 16 layers instead of 22, so three quantized files stay near
/// a gigabyte each. Its attention kernels are specialized from the config file at build time.
/// </summary>
[TransformerModel(ConfigFile = "Quantized/tinyllama-shape.config.json")]
public partial class TinyLlamaShape;
