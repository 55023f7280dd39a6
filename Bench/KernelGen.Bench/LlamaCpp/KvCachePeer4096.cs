using KernelGen;

namespace KernelGen.Bench.LlamaCpp;

/// <summary>
/// The compressed-cache peer model: the decode benchmarks' attention (d_model 4096, 32 query heads of
/// 128, MHA) in one layer with a 16K context, and a small feed-forward and vocabulary, so a token's
/// time is mostly the read of its KV cache (f32: 512 MiB at 16K) rather than of its weights (about 330 MB).
/// </summary>
[TransformerModel(Dim = 4096, Layers = 1, Heads = 32, KvHeads = 32, HiddenDim = 1024, Vocab = 512, MaxSeqLen = 16384)]
public partial class KvCachePeer4096;
