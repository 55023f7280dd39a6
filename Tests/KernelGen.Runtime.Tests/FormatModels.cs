using KernelGen;

// Shapes compiled with a compressed KV cache as their default: the generated kernels' CreateCache
// makes caches of that format.
namespace KernelGen.Runtime.Tests.Models;

[TransformerModel(Dim = 1024, Layers = 2, Heads = 8, KvHeads = 2, MaxSeqLen = 320, KvCache = KvCacheFormat.BFloat16)]
public partial class GqaHeadDim128BFloat16;

[TransformerModel(Dim = 320, Layers = 2, Heads = 8, KvHeads = 1, MaxSeqLen = 320, KvCache = KvCacheFormat.Int8)]
[SparseAttention(SparsePattern.Strided, Stride = 13, Layers = "1")]
public partial class MqaHeadDim40Int8;
