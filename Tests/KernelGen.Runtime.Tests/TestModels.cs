using KernelGen;

// The shapes the numeric tests compile kernels for: MHA, GQA and MQA at head_dim 8, 40, 64, 80
// and 128. 40 and 80 are not multiples of 32 floats, so the Vector512 path needs a narrower
// vector at the end; 8 is narrower than a Vector512 altogether.
namespace KernelGen.Runtime.Tests.Models;

[TransformerModel(Dim = 64, Layers = 2, Heads = 8, KvHeads = 8, MaxSeqLen = 320)] public partial class MhaHeadDim8;
[TransformerModel(Dim = 64, Layers = 2, Heads = 8, KvHeads = 2, MaxSeqLen = 320)] public partial class GqaHeadDim8;
[TransformerModel(Dim = 64, Layers = 2, Heads = 8, KvHeads = 1, MaxSeqLen = 320)] public partial class MqaHeadDim8;

[TransformerModel(Dim = 320, Layers = 2, Heads = 8, KvHeads = 8, MaxSeqLen = 320)] public partial class MhaHeadDim40;
[TransformerModel(Dim = 320, Layers = 2, Heads = 8, KvHeads = 4, MaxSeqLen = 320)] public partial class GqaHeadDim40;
[TransformerModel(Dim = 320, Layers = 2, Heads = 8, KvHeads = 1, MaxSeqLen = 320)] public partial class MqaHeadDim40;

[TransformerModel(Dim = 512, Layers = 2, Heads = 8, KvHeads = 8, MaxSeqLen = 320)] public partial class MhaHeadDim64;
[TransformerModel(Dim = 512, Layers = 2, Heads = 8, KvHeads = 2, MaxSeqLen = 320)] public partial class GqaHeadDim64;
[TransformerModel(Dim = 512, Layers = 2, Heads = 8, KvHeads = 1, MaxSeqLen = 320)] public partial class MqaHeadDim64;

[TransformerModel(Dim = 640, Layers = 2, Heads = 8, KvHeads = 8, MaxSeqLen = 320)] public partial class MhaHeadDim80;
[TransformerModel(Dim = 640, Layers = 2, Heads = 8, KvHeads = 2, MaxSeqLen = 320)] public partial class GqaHeadDim80;
[TransformerModel(Dim = 640, Layers = 2, Heads = 8, KvHeads = 1, MaxSeqLen = 320)] public partial class MqaHeadDim80;

[TransformerModel(Dim = 1024, Layers = 2, Heads = 8, KvHeads = 8, MaxSeqLen = 320)] public partial class MhaHeadDim128;
[TransformerModel(Dim = 1024, Layers = 2, Heads = 8, KvHeads = 4, MaxSeqLen = 320)] public partial class GqaHeadDim128;
[TransformerModel(Dim = 1024, Layers = 2, Heads = 8, KvHeads = 1, MaxSeqLen = 320)] public partial class MqaHeadDim128;

// head_dim 96 and 6: a Vector256 remainder and a scalar tail on the Vector128 path.
[TransformerModel(Dim = 384, Layers = 1, Heads = 4, KvHeads = 2, MaxSeqLen = 320)] public partial class GqaHeadDim96;
[TransformerModel(Dim = 24, Layers = 1, Heads = 4, KvHeads = 1, MaxSeqLen = 320)] public partial class MqaHeadDim6;
