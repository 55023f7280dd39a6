using System;
using System.IO;
using System.Text;
using KernelGen.Checkpoints;
using KernelGen.Fuzzing;
using KernelGen.Patterns;
using KernelGen.Tokenization;
using Xunit;
using Xunit.Abstractions;

namespace KernelGen.Decoding.Tests.Hostile;

/// <summary>
/// Seeded mutation fuzzing of every reader: valid files from the project's own writers, mutated
/// (see <see cref="Mutator"/>), must load or be refused with the project's exception, each within
/// <see cref="FuzzRun.TimeLimit"/> and an allocation bound of a small multiple of the file plus the
/// rotary-table allowance. The normal run tries a few dozen inputs per target (seconds);
/// <c>KERNELGEN_FUZZ_ITERATIONS=N</c> runs N, from <c>KERNELGEN_FUZZ_SEED</c> on.
/// </summary>
[Trait("Category", "Fuzz")]
public sealed class ReaderFuzzTests(ITestOutputHelper output) : IDisposable
{
    private const int DefaultInputs = 40;

    /// <summary>Bytes a read may allocate: 8 x the file (F16 widening, tokenizer strings, header JSON) plus the rotary tables' allowance and 16 MB.</summary>
    private static long Bound(long fileBytes) => 8 * fileBytes + 4 * CheckpointRules.MaxRopeTableFloats + (16L << 20);

    private static readonly ModelShape Tiny = new(16, 2, 4, 2, 32, 24, 40);

    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Gguf()
    {
        // stories260K (vocabulary 512, the tok512 tokenizer embedded) as F16: metadata, tokenizer arrays and tensor infos to lie about.
        string source = _directory.File("source.gguf");
        GgufWriter.Write(source, Llama2cCheckpoint.Load(TestFiles.ModelPath).Weights, DecoderSettings.Llama2C, LlamaTokenizer.Load(TestFiles.TokenizerPath, 512), GgufTensorType.F16);
        var original = File.ReadAllBytes(source);
        int header;
        using (var file = GgufFile.Open(source))
        {
            header = (int)file.DataOffset;
        }

        string path = _directory.File("fuzz.gguf");
        var run = new FuzzRun("GGUF", e => e is CheckpointException c ? FuzzRun.Outcome("CheckpointException", c.Field) : null);
        ForEachInput(1100, seed =>
        {
            var bytes = new Mutator(seed).Binary(original, header);
            File.WriteAllBytes(path, bytes);
            run.Run(seed, Bound(bytes.Length), () =>
            {
                var checkpoint = ModelCheckpoint.Load(path);
                checkpoint.Tokenizer?.Encode("Once upon a time");
                Decode(checkpoint);
                return null;
            });
        });
        Report(run);
    }

    [Fact]
    public void SafeTensorsAndConfig()
    {
        string folder = _directory.File("model");
        SafeTensorsWriter.Write(folder, TestModels.RandomWeights(Tiny, sharedClassifier: false, seed: 3), DecoderSettings.Llama2C, "BF16");
        string weights = Path.Combine(folder, "model.safetensors"), config = Path.Combine(folder, "config.json");
        var originalWeights = File.ReadAllBytes(weights);
        string originalConfig = File.ReadAllText(config);
        int header = 8 + (int)BitConverter.ToUInt64(originalWeights, 0);
        var run = new FuzzRun("safetensors + config.json", e => e is CheckpointException c ? FuzzRun.Outcome("CheckpointException", c.Field) : null);
        ForEachInput(2200, seed =>
        {
            var mutator = new Mutator(seed);
            bool mutateConfig = mutator.Next(2) == 0;
            var bytes = mutateConfig ? originalWeights : mutator.Binary(originalWeights, header);
            string text = mutateConfig ? mutator.Text(originalConfig) : originalConfig;
            File.WriteAllBytes(weights, bytes);
            File.WriteAllBytes(config, Encoding.UTF8.GetBytes(text));
            run.Run(seed, Bound(bytes.Length + Encoding.UTF8.GetByteCount(text)), () =>
            {
                Decode(ModelCheckpoint.Load(folder));
                return null;
            });
        });
        Report(run);
    }

    [Fact]
    public void Llama2CCheckpoint()
    {
        string source = TestModels.WriteRandomCheckpoint(_directory, "source.bin", Tiny, true, 4);
        var original = File.ReadAllBytes(source);
        string path = _directory.File("fuzz.bin");
        var run = new FuzzRun("llama2.c checkpoint", e => e is CheckpointException c ? FuzzRun.Outcome("CheckpointException", c.Field) : null);
        ForEachInput(3300, seed =>
        {
            var bytes = new Mutator(seed).Binary(original, CheckpointHeader.Size);
            File.WriteAllBytes(path, bytes);
            run.Run(seed, Bound(bytes.Length), () =>
            {
                Decode(ModelCheckpoint.Load(path));
                return null;
            });
        });
        Report(run);
    }

    [Fact]
    public void Tokenizer()
    {
        var original = File.ReadAllBytes(TestFiles.TokenizerPath);
        string path = _directory.File("fuzz-tok.bin");
        var run = new FuzzRun("llama2.c tokenizer", e => e is TokenizerException t ? FuzzRun.Outcome("TokenizerException", t.Field) : null);
        ForEachInput(4400, seed =>
        {
            var mutator = new Mutator(seed);
            var bytes = mutator.Binary(original, mutator.Next(2) == 0 ? 64 : original.Length);
            File.WriteAllBytes(path, bytes);
            run.Run(seed, Bound(bytes.Length), () =>
            {
                var tokenizer = LlamaTokenizer.Load(path, 512);
                var tokens = tokenizer.Encode("Once upon a time, Lily\u00e9 \xff zq" + new string('a', 300));
                foreach (int token in tokens)
                {
                    tokenizer.Decode(token == LlamaTokenizer.BosId ? LlamaTokenizer.BosId : LlamaTokenizer.UnknownId, token);
                }

                return null;
            });
        });
        Report(run);
    }

    [Fact]
    public void LayoutFile()
    {
        string original = "# learned offline\nblock 16\n" + string.Join("\n", BandRows(8)) + "\n";
        string perHead = "block 16\n" + string.Concat(Repeat(h => $"head {h}\n" + string.Join("\n", BandRows(8)) + "\n", 4));
        string path = _directory.File("fuzz.layout");
        var run = new FuzzRun("layout file (runtime)", e => e is InvalidDataException ? "InvalidDataException" : null);
        ForEachInput(5500, seed =>
        {
            var mutator = new Mutator(seed);
            string text = mutator.Text(mutator.Next(2) == 0 ? original : perHead);
            File.WriteAllBytes(path, Encoding.UTF8.GetBytes(text));
            run.Run(seed, Bound(Encoding.UTF8.GetByteCount(text)), () =>
            {
                AttentionPattern.LoadLayout(path, heads: 4, maxSeqLen: 128);
                return null;
            });
        });
        Report(run);
    }

    /// <summary>An accepted checkpoint must also run: a few greedy steps on the generic kernels, with its own settings (rotary base, window).</summary>
    private static void Decode(ModelCheckpoint checkpoint)
    {
        var kernels = KernelSelection.Create(checkpoint.Shape, KernelChoice.Generic, out _, checkpoint.LayerPatterns);
        var session = new LlamaDecoder(checkpoint).CreateSession(kernels, Math.Min(checkpoint.Shape.MaxSeqLen, 8));
        int token = LlamaTokenizer.BosId % checkpoint.Shape.Vocab;
        for (int position = 0; position < session.ContextLength; position++)
        {
            token = Sampling.Sampler.ArgMax(session.Forward(token, position));
        }
    }

    private static string[] BandRows(int blocks)
    {
        var rows = new string[blocks];
        for (int r = 0; r < blocks; r++)
        {
            var row = new char[blocks];
            for (int k = 0; k < blocks; k++)
            {
                row[k] = k <= r && (k == 0 || r - k < 2) ? '1' : '0';
            }

            rows[r] = new string(row);
        }

        return rows;
    }

    private static string[] Repeat(Func<int, string> item, int count)
    {
        var items = new string[count];
        for (int i = 0; i < count; i++)
        {
            items[i] = item(i);
        }

        return items;
    }

    private static void ForEachInput(int defaultSeed, Action<int> input)
    {
        int first = Mutator.FirstSeed(defaultSeed), count = Mutator.Iterations(DefaultInputs);
        for (int i = 0; i < count; i++)
        {
            input(first + i);
        }
    }

    private void Report(FuzzRun run)
    {
        output.WriteLine(run.Summary());
        Assert.True(run.Findings.Count == 0, run.Summary());
    }
}
