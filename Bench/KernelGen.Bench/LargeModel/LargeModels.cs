using KernelGen;

// A realistic decoder shape (GPT-2-small width, Llama layout) in the three attention families,
// with a 4096-token context: the end-to-end benchmark writes random-weight checkpoints of these
// shapes and decodes them with the kernels generated here.
namespace KernelGen.Bench.LargeModel;

[TransformerModel(Dim = 768, Layers = 12, Heads = 12, KvHeads = 12, HiddenDim = 2048, Vocab = 32000, MaxSeqLen = 4096)] public partial class Large768Mha;
[TransformerModel(Dim = 768, Layers = 12, Heads = 12, KvHeads = 4, HiddenDim = 2048, Vocab = 32000, MaxSeqLen = 4096)] public partial class Large768Gqa;
[TransformerModel(Dim = 768, Layers = 12, Heads = 12, KvHeads = 1, HiddenDim = 2048, Vocab = 32000, MaxSeqLen = 4096)] public partial class Large768Mqa;
