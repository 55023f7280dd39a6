using KernelGen;

namespace KernelGen.Samples.LongContext;

/// <summary>
/// Every layer attends 4 sink tokens and a window of 1024 (StreamingLLM): its KV cache is a ring
/// that never grows, so it decodes far past its nominal context.
/// </summary>
[TransformerModel(Dim = 512, Layers = 4, Heads = 8, KvHeads = 2, MaxSeqLen = 4096)]
[SparseAttention(SparsePattern.Global, GlobalTokens = 4, Window = 1024)]
public partial class StreamingModel;
