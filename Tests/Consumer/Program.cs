// A fresh console app's use of the packed KernelGen package, with default settings: the golden
// 256-step story through the generated kernels, run.c's bytes on stdout, its speed on stderr.
using System;
using KernelGen;
using KernelGen.Checkpoints;
using KernelGen.Decoding;
using KernelGen.Sampling;
using KernelGen.Tokenization;

var checkpoint = ModelCheckpoint.Load("stories260K.bin");
var tokenizer = LlamaTokenizer.Load("tok512.bin", checkpoint.Shape.Vocab);
var session = new LlamaDecoder(checkpoint).CreateSession(Stories260K.CreateKernels());
var generator = new TextGenerator(session, tokenizer, Sampler.Greedy(checkpoint.Shape.Vocab));
using var stdout = Console.OpenStandardOutput();
var result = generator.Generate("Once upon a time", 256, stdout);
Console.Error.WriteLine($"speed {result.TokensPerSecond:F0} tok/s");

[TransformerModel(Dim = 64, Layers = 5, Heads = 8, KvHeads = 4, HiddenDim = 172, Vocab = 512, MaxSeqLen = 512)]
public partial class Stories260K;
