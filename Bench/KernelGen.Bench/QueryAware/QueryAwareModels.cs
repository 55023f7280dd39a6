using KernelGen;

// The decode shapes of the peer suites (d_model 4096, 32 query heads of 128; Peers/PeerModels.cs) with
// query-aware selection: blocks of 16, 4 sinks, a window of 64, at each budget of QueryAwareDecodeBenchmarks.
namespace KernelGen.Bench.QueryAware;

[TransformerModel(Dim = 4096, Layers = 1, Heads = 32, KvHeads = 32, MaxSeqLen = 32768)][SparseAttention(SparsePattern.QueryAware, BlockSize = 16, TokenBudget = 1024, GlobalTokens = 4, Window = 64)] public partial class QueryAware32x32Budget1024;
[TransformerModel(Dim = 4096, Layers = 1, Heads = 32, KvHeads = 32, MaxSeqLen = 32768)][SparseAttention(SparsePattern.QueryAware, BlockSize = 16, TokenBudget = 2048, GlobalTokens = 4, Window = 64)] public partial class QueryAware32x32Budget2048;
[TransformerModel(Dim = 4096, Layers = 1, Heads = 32, KvHeads = 32, MaxSeqLen = 32768)][SparseAttention(SparsePattern.QueryAware, BlockSize = 16, TokenBudget = 4096, GlobalTokens = 4, Window = 64)] public partial class QueryAware32x32Budget4096;
[TransformerModel(Dim = 4096, Layers = 1, Heads = 32, KvHeads = 8, MaxSeqLen = 32768)][SparseAttention(SparsePattern.QueryAware, BlockSize = 16, TokenBudget = 1024, GlobalTokens = 4, Window = 64)] public partial class QueryAware32x8Budget1024;
[TransformerModel(Dim = 4096, Layers = 1, Heads = 32, KvHeads = 8, MaxSeqLen = 32768)][SparseAttention(SparsePattern.QueryAware, BlockSize = 16, TokenBudget = 2048, GlobalTokens = 4, Window = 64)] public partial class QueryAware32x8Budget2048;
[TransformerModel(Dim = 4096, Layers = 1, Heads = 32, KvHeads = 8, MaxSeqLen = 32768)][SparseAttention(SparsePattern.QueryAware, BlockSize = 16, TokenBudget = 4096, GlobalTokens = 4, Window = 64)] public partial class QueryAware32x8Budget4096;
[TransformerModel(Dim = 4096, Layers = 1, Heads = 32, KvHeads = 1, MaxSeqLen = 32768)][SparseAttention(SparsePattern.QueryAware, BlockSize = 16, TokenBudget = 1024, GlobalTokens = 4, Window = 64)] public partial class QueryAware32x1Budget1024;
[TransformerModel(Dim = 4096, Layers = 1, Heads = 32, KvHeads = 1, MaxSeqLen = 32768)][SparseAttention(SparsePattern.QueryAware, BlockSize = 16, TokenBudget = 2048, GlobalTokens = 4, Window = 64)] public partial class QueryAware32x1Budget2048;
[TransformerModel(Dim = 4096, Layers = 1, Heads = 32, KvHeads = 1, MaxSeqLen = 32768)][SparseAttention(SparsePattern.QueryAware, BlockSize = 16, TokenBudget = 4096, GlobalTokens = 4, Window = 64)] public partial class QueryAware32x1Budget4096;
