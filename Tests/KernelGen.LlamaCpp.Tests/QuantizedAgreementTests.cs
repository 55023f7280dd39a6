using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using KernelGen.Bench.LlamaCpp;
using KernelGen.Checkpoints;
using KernelGen.Decoding;
using KernelGen.Decoding.Tests;
using KernelGen.Kernels;
using KernelGen.Quantization;
using KernelGen.Tokenization;
using LLama.Native;
using Xunit;
using Xunit.Abstractions;

namespace KernelGen.LlamaCpp.Tests;

/// <summary>
/// Files quantized by llama.cpp itself: KernelGen reads every block as ggml's reference
/// dequantization does (bit for bit), and its logits over a teacher-forced sequence agree with
/// llama.cpp's on the same file.
/// </summary>
/// <remarks>
/// The logits cannot agree to float rounding: ggml's CPU matrix-vector kernels round the activation
/// vector to 8 bits (Q8_0 or Q8_K blocks) before the integer dot products, KernelGen keeps it in
/// float32. That rounding (a relative error of about 2^-8 per activation) is what the tolerance allows.
/// </remarks>
public sealed class QuantizedAgreementTests : IDisposable
{
    /// <summary>dim and hidden are multiples of 256 so every K type applies; GQA (4 query heads per KV head); a separate classifier.</summary>
    private static readonly ModelShape Shape = new(256, 2, 8, 2, 128, 512, 512);

    private static readonly LlamaTokenizer Tok512 = LlamaTokenizer.Load(TestFiles.TokenizerPath, 512);
    private readonly TempDirectory _directory = new();
    private readonly ITestOutputHelper _output;

    public QuantizedAgreementTests(ITestOutputHelper output) => _output = output;

    public void Dispose() => _directory.Dispose();

    public static TheoryData<string, bool> Files() => new()
    {
        { nameof(LLamaFtype.MOSTLY_Q8_0), true },
        { nameof(LLamaFtype.MOSTLY_Q4_0), true },
        { nameof(LLamaFtype.MOSTLY_Q5_0), true },
        { nameof(LLamaFtype.MOSTLY_Q4_K_M), false },
        { nameof(LLamaFtype.MOSTLY_Q5_K_M), false },
        { nameof(LLamaFtype.MOSTLY_Q6_K), true },
    };

    [Theory]
    [MemberData(nameof(Files))]
    public void EveryBlock_DequantizesAsGgmlDoes_BitForBit(string fileType, bool pure)
    {
        string path = Quantized(fileType, pure, sharedClassifier: false);
        var checkpoint = ModelCheckpoint.Load(path);
        Assert.True(checkpoint.Weights.IsQuantized);
        using var file = GgufFile.Open(path);
        var seen = new HashSet<GgufTensorType>();
        foreach (var info in file.Tensors.Where(t => QuantizedBlocks.IsQuantized(t.Type)))
        {
            seen.Add(info.Type);
            var bytes = new byte[info.ByteLength];
            file.ReadTensorBytes(info, bytes);
            var theirs = GgmlReference.DequantizeRow(info.Type, bytes, (int)info.ElementCount);
            var ours = new float[info.ElementCount];
            Dequantization.DequantizeRow(info.Type, bytes, ours);
            for (int i = 0; i < ours.Length; i++)
            {
                if (BitConverter.SingleToInt32Bits(ours[i]) != BitConverter.SingleToInt32Bits(theirs[i]))
                {
                    Assert.Fail(string.Create(CultureInfo.InvariantCulture, $"{info.Name} ({info.Type}) value {i}: KernelGen {ours[i]:R}, ggml {theirs[i]:R}"));
                }
            }

            // The matrices the decoder holds are the file's blocks, unchanged.
            var matrix = MatrixNamed(checkpoint.Weights, info.Name);
            if (matrix is not null)
            {
                Assert.Equal(info.Type, matrix.Type);
                var row = new float[matrix.Columns];
                matrix.DequantizeRow(matrix.Rows - 1, row);
                Assert.Equal(theirs.AsSpan(theirs.Length - matrix.Columns).ToArray(), row);
            }
        }

        Assert.NotEmpty(seen);

        // What the story CLI prints on stderr: every type the model's tensors use, with its count.
        _output.WriteLine($"{fileType}: {checkpoint.Description}");
        Assert.EndsWith("kept quantized", checkpoint.Description, StringComparison.Ordinal);
        foreach (var group in file.Tensors.GroupBy(t => t.Type))
        {
            Assert.Matches($@"{group.Key} \({group.Count()}( tensors)?\)", checkpoint.Description);
        }
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Logits_AgreeWithLlamaCpp_OverATeacherForcedSequence(string fileType, bool pure)
    {
        string path = Quantized(fileType, pure, sharedClassifier: fileType.EndsWith("_M", StringComparison.Ordinal));
        var checkpoint = ModelCheckpoint.Load(path);
        var session = new LlamaDecoder(checkpoint.Weights, checkpoint.Settings with { QuantizeActivations = false }).CreateSession(new GenericAttention(checkpoint.Shape));
        var integer = new LlamaDecoder(checkpoint).CreateSession(new GenericAttention(checkpoint.Shape));

        // The same weights as float32 (ggml's dequantization, checked bit for bit above), for KernelGen's
        // float decoder and for llama.cpp: what the quantized kernels must reproduce to float rounding.
        var dequantized = GgufCheckpointReader.Load(path, keepQuantized: false);
        var reference = new LlamaDecoder(dequantized).CreateSession(new GenericAttention(checkpoint.Shape));
        string floatPath = _directory.File(fileType + "-dequantized.gguf");
        GgufWriter.Write(floatPath, dequantized, Tok512);
        using var floatPeer = new LlamaCppDecoder(floatPath, 128);
        using var peer = new LlamaCppDecoder(path, 128);

        var random = new Random(15);
        var kernels = new Agreement();
        var floatFile = new Agreement();
        var quantizedFile = new Agreement();
        var integerFile = new Agreement();
        for (int position = 0; position < 64; position++)
        {
            int token = random.Next(Shape.Vocab);
            var ours = session.Forward(token, position).ToArray();
            kernels.Add(ours, reference.Forward(token, position).ToArray());
            floatFile.Add(ours, floatPeer.Forward(token, position).ToArray());
            var theirs = peer.Forward(token, position).ToArray();
            quantizedFile.Add(ours, theirs);
            integerFile.Add(integer.Forward(token, position).ToArray(), theirs);
        }

        string report = $"{fileType}: against KernelGen's float32 decoder on the dequantized weights {kernels}; against llama.cpp on them {floatFile}; against llama.cpp on the quantized file {quantizedFile}; with 8-bit activations {integerFile}";
        _output.WriteLine(report);
        Assert.True(kernels.Worst <= 1e-5f * kernels.Scale && kernels.Agreed == kernels.Decided, report);
        Assert.True(floatFile.Worst <= 1e-4f * floatFile.Scale && floatFile.Agreed >= 0.95 * floatFile.Decided && floatFile.Decided > 0, report);
        Assert.True(quantizedFile.Worst <= QuantizedFileTolerance * quantizedFile.Scale && quantizedFile.Agreed >= 0.85 * quantizedFile.Decided, report);

        // Rounding x as ggml does, KernelGen's integer kernels compute what llama.cpp computes.
        if (Q8Activations.Supports(GgufTensorType.Q8_0))
        {
            Assert.True(integerFile.Worst <= IntegerTolerance(fileType) * integerFile.Scale && integerFile.Agreed >= 0.95 * integerFile.Decided, report);
        }
    }

    /// <summary>
    /// KernelGen's logits against llama.cpp's on the quantized file: within this fraction of the largest
    /// logit. llama.cpp rounds every activation vector to 8 bits (Q8_0, or Q8_K per 256 values for the K
    /// types) before its integer dot products; on these random-weight models that moves logits by up to
    /// about 4% of the largest (measured 2.4% for Q8_0 and Q4_0, 2.7% Q5_0, 3.5–3.9% for the K types).
    /// </summary>
    private const float QuantizedFileTolerance = 0.05f;

    /// <summary>
    /// With 8-bit activations rounded as ggml rounds them: Q8_0 agrees to the order of float sums
    /// (measured 5e-7 of the largest logit); for the others a residual remains on llama.cpp's side of the
    /// comparison (the integer kernels are exact for the rounded activations, see Q8ActivationTests).
    /// </summary>
    private static float IntegerTolerance(string fileType) => fileType == "MOSTLY_Q8_0" ? 1e-5f : 0.025f;

    /// <summary>Largest logit difference, largest logit, and top-1 agreement where the second engine's top-2 gap exceeds 1e-3.</summary>
    private sealed class Agreement
    {
        public float Worst { get; private set; }

        public float Scale { get; private set; }

        public int Decided { get; private set; }

        public int Agreed { get; private set; }

        public void Add(float[] ours, float[] theirs)
        {
            for (int i = 0; i < ours.Length; i++)
            {
                Worst = Math.Max(Worst, Math.Abs(ours[i] - theirs[i]));
                Scale = Math.Max(Scale, Math.Abs(theirs[i]));
            }

            var order = Enumerable.Range(0, theirs.Length).OrderByDescending(i => theirs[i]).ToArray();
            if (theirs[order[0]] - theirs[order[1]] > 1e-3f)
            {
                Decided++;
                Agreed += LlamaCppDecoder.ArgMax(ours) == order[0] ? 1 : 0;
            }
        }

        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"largest difference {Worst} (largest logit {Scale}), top-1 agrees on {Agreed} of {Decided} decided positions");
    }

    [Fact]
    public void Q4_0Model_LoadsWithoutFloat32Weights()
    {
        // Large enough that the weights dwarf the tokenizer: 9.7 M parameters, 39 MB as float32.
        var shape = new ModelShape(512, 4, 8, 4, 64, 1024, 512);
        string source = _directory.File("resident-f32.gguf");
        GgufWriter.Write(source, TestModels.RandomWeights(shape, sharedClassifier: true, seed: 3), DecoderSettings.Llama2C, Tok512);
        string path = _directory.File("resident-q4_0.gguf");
        LlamaCppQuantizer.Quantize(source, path, LLamaFtype.MOSTLY_Q4_0, pure: true);
        ModelCheckpoint.Load(path);   // JIT and static tables warmed outside the measurement

        long before = GC.GetAllocatedBytesForCurrentThread();
        var checkpoint = ModelCheckpoint.Load(path);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        long fileBytes = new FileInfo(path).Length;
        long floatBytes = 4 * LlamaWeights.PayloadLength(shape, sharedClassifier: true);
        string report = string.Create(CultureInfo.InvariantCulture,
            $"loading allocated {allocated} bytes; the file has {fileBytes}, the weights as float32 take {floatBytes}, resident {checkpoint.Weights.ResidentBytes}");
        _output.WriteLine(report);
        Assert.True(checkpoint.Weights.IsQuantized);
        Assert.True(checkpoint.Weights.ResidentBytes <= fileBytes, report);
        Assert.True(allocated < fileBytes + (1 << 20), report);
    }

    private string Quantized(string fileType, bool pure, bool sharedClassifier)
    {
        string source = _directory.File($"random-{sharedClassifier}.gguf");
        if (!File.Exists(source))
        {
            GgufWriter.Write(source, TestModels.RandomWeights(Shape, sharedClassifier, seed: 15), new DecoderSettings { RmsNormEpsilon = 1e-5f }, Tok512);
        }

        string path = _directory.File($"{fileType}-{pure}-{sharedClassifier}.gguf");
        LlamaCppQuantizer.Quantize(source, path, Enum.Parse<LLamaFtype>(fileType), pure);
        return path;
    }

    private static QuantizedMatrix? MatrixNamed(LlamaWeights weights, string name)
    {
        if (name == "token_embd.weight")
        {
            return weights.QuantizedEmbedding;
        }

        if (name == "output.weight")
        {
            return weights.QuantizedClassifier;
        }

        var parts = name.Split('.');
        if (parts.Length != 4 || parts[0] != "blk")
        {
            return null;
        }

        var kind = parts[2] switch
        {
            "attn_q" => LlamaMatrix.Query, "attn_k" => LlamaMatrix.Key, "attn_v" => LlamaMatrix.Value, "attn_output" => LlamaMatrix.Output,
            "ffn_gate" => LlamaMatrix.Gate, "ffn_down" => LlamaMatrix.Down, "ffn_up" => LlamaMatrix.Up,
            _ => (LlamaMatrix?)null,
        };
        return kind is null ? null : weights.Quantized(kind.Value, int.Parse(parts[1], CultureInfo.InvariantCulture));
    }
}
