using KernelGen;

namespace KernelGen.Samples.Stories;

/// <summary>
/// The embedded default model, stories260K: a Llama-architecture model trained on TinyStories.
/// 8 query heads share 4 KV heads (GQA, group 2), head_dim 8. KernelGen compiles its attention
/// kernels from this one line.
/// </summary>
[TransformerModel(Dim = 64, Layers = 5, Heads = 8, KvHeads = 4, HiddenDim = 172, Vocab = 512, MaxSeqLen = 512)]
public partial class Stories260K;
