using KernelGen;

// The models the peer benchmarks compile. Decode: d_model 4096 with 32 query heads of 128
// (Llama-2/3 7-8B attention) sharing 32 (MHA), 8 (GQA) or 1 (MQA) KV heads, one layer, up to
// 32K positions. Prefill: 8 heads, MHA, head_dim 64 and 128, prompts up to 8K tokens.
namespace KernelGen.Bench.Peers;

[TransformerModel(Dim = 4096, Layers = 1, Heads = 32, KvHeads = 32, MaxSeqLen = 32768)] public partial class Decode32x32;
[TransformerModel(Dim = 4096, Layers = 1, Heads = 32, KvHeads = 8, MaxSeqLen = 32768)] public partial class Decode32x8;
[TransformerModel(Dim = 4096, Layers = 1, Heads = 32, KvHeads = 1, MaxSeqLen = 32768)] public partial class Decode32x1;

[TransformerModel(Dim = 512, Layers = 1, Heads = 8, KvHeads = 8, MaxSeqLen = 16384)] public partial class Prefill8x64;
[TransformerModel(Dim = 1024, Layers = 1, Heads = 8, KvHeads = 8, MaxSeqLen = 16384)] public partial class Prefill8x128;
