using KernelGen;

// The models the sparse benchmarks compile: one layer, 8 heads sharing one KV head (MQA),
// head_dim 64, one class per pattern and context length, so every pattern parameter is a
// constant. Strided and Fixed use l = sqrt(n) rounded to a multiple of 16 (the Sparse
// Transformer choice that makes attention n*sqrt(n)); Fixed keeps c = 8 summary keys per block;
// the sliding window is 256 keys at every length.
namespace KernelGen.Bench.Sparse;

[TransformerModel(Dim = 512, Layers = 1, Heads = 8, KvHeads = 1, MaxSeqLen = 1024)] public partial class Dense1024;
[TransformerModel(Dim = 512, Layers = 1, Heads = 8, KvHeads = 1, MaxSeqLen = 1024)][SparseAttention(SparsePattern.Strided, Stride = 32)] public partial class Strided1024;
[TransformerModel(Dim = 512, Layers = 1, Heads = 8, KvHeads = 1, MaxSeqLen = 1024)][SparseAttention(SparsePattern.Fixed, BlockLength = 32, Summary = 8)] public partial class Fixed1024;
[TransformerModel(Dim = 512, Layers = 1, Heads = 8, KvHeads = 1, MaxSeqLen = 1024)][SparseAttention(SparsePattern.SlidingWindow, Window = 256)] public partial class SlidingWindow1024;

[TransformerModel(Dim = 512, Layers = 1, Heads = 8, KvHeads = 1, MaxSeqLen = 2048)] public partial class Dense2048;
[TransformerModel(Dim = 512, Layers = 1, Heads = 8, KvHeads = 1, MaxSeqLen = 2048)][SparseAttention(SparsePattern.Strided, Stride = 48)] public partial class Strided2048;
[TransformerModel(Dim = 512, Layers = 1, Heads = 8, KvHeads = 1, MaxSeqLen = 2048)][SparseAttention(SparsePattern.Fixed, BlockLength = 48, Summary = 8)] public partial class Fixed2048;
[TransformerModel(Dim = 512, Layers = 1, Heads = 8, KvHeads = 1, MaxSeqLen = 2048)][SparseAttention(SparsePattern.SlidingWindow, Window = 256)] public partial class SlidingWindow2048;

[TransformerModel(Dim = 512, Layers = 1, Heads = 8, KvHeads = 1, MaxSeqLen = 4096)] public partial class Dense4096;
[TransformerModel(Dim = 512, Layers = 1, Heads = 8, KvHeads = 1, MaxSeqLen = 4096)][SparseAttention(SparsePattern.Strided, Stride = 64)] public partial class Strided4096;
[TransformerModel(Dim = 512, Layers = 1, Heads = 8, KvHeads = 1, MaxSeqLen = 4096)][SparseAttention(SparsePattern.Fixed, BlockLength = 64, Summary = 8)] public partial class Fixed4096;
[TransformerModel(Dim = 512, Layers = 1, Heads = 8, KvHeads = 1, MaxSeqLen = 4096)][SparseAttention(SparsePattern.SlidingWindow, Window = 256)] public partial class SlidingWindow4096;

[TransformerModel(Dim = 512, Layers = 1, Heads = 8, KvHeads = 1, MaxSeqLen = 8192)] public partial class Dense8192;
[TransformerModel(Dim = 512, Layers = 1, Heads = 8, KvHeads = 1, MaxSeqLen = 8192)][SparseAttention(SparsePattern.Strided, Stride = 96)] public partial class Strided8192;
[TransformerModel(Dim = 512, Layers = 1, Heads = 8, KvHeads = 1, MaxSeqLen = 8192)][SparseAttention(SparsePattern.Fixed, BlockLength = 96, Summary = 8)] public partial class Fixed8192;
[TransformerModel(Dim = 512, Layers = 1, Heads = 8, KvHeads = 1, MaxSeqLen = 8192)][SparseAttention(SparsePattern.SlidingWindow, Window = 256)] public partial class SlidingWindow8192;

[TransformerModel(Dim = 512, Layers = 1, Heads = 8, KvHeads = 1, MaxSeqLen = 16384)] public partial class Dense16384;
[TransformerModel(Dim = 512, Layers = 1, Heads = 8, KvHeads = 1, MaxSeqLen = 16384)][SparseAttention(SparsePattern.Strided, Stride = 128)] public partial class Strided16384;
[TransformerModel(Dim = 512, Layers = 1, Heads = 8, KvHeads = 1, MaxSeqLen = 16384)][SparseAttention(SparsePattern.Fixed, BlockLength = 128, Summary = 8)] public partial class Fixed16384;
[TransformerModel(Dim = 512, Layers = 1, Heads = 8, KvHeads = 1, MaxSeqLen = 16384)][SparseAttention(SparsePattern.SlidingWindow, Window = 256)] public partial class SlidingWindow16384;
