using System;
using System.Diagnostics;
using System.IO;
using KernelGen.Bench.LlamaCpp;
using KernelGen.Checkpoints;
using KernelGen.Decoding;
using KernelGen.Quantization;
using KernelGen.Tokenization;
using LLama.Native;

namespace KernelGen.Bench.Quantized;

/// <summary>
/// The quantized GGUF files of <see cref="QuantizedPeerBenchmarks"/>: a random-weight model of
/// <see cref="TinyLlamaShape"/>'s shape written once as F16 by KernelGen's writer, then quantized by
/// llama.cpp's own quantizer (<see cref="LlamaCppQuantizer"/>) to Q8_0, Q4_0 and the Q4_K_M mix, into a
/// temporary folder. Writing the F16 source holds its 3.4 GB of float32 weights in memory once.
/// </summary>
internal static class QuantizedModels
{
    /// <summary>Seed of the random weights.</summary>
    public const int Seed = 2048;

    /// <summary>The file types the suite decodes, as llama.cpp names them.</summary>
    public static readonly string[] FileTypes = ["Q8_0", "Q4_0", "Q4_K_M"];

    /// <summary>The folder: <c>$TMPDIR/kernelgen-bench</c>, as the other peer suites.</summary>
    public static string Folder => PeerModels.Folder;

    public static string SourcePath => Path.Combine(Folder, "tinyllama-shape-x16-random-f16.gguf");

    /// <summary>The path of the <paramref name="fileType"/> file (made or not).</summary>
    public static string PathOf(string fileType) => Path.Combine(Folder, $"tinyllama-shape-x16-random-{fileType}.gguf");

    /// <summary>The <paramref name="fileType"/> file, made if missing.</summary>
    public static string Get(string fileType)
    {
        string path = PathOf(fileType);
        if (File.Exists(path))
        {
            return path;
        }

        if (!File.Exists(SourcePath))
        {
            Directory.CreateDirectory(Folder);
            var shape = TinyLlamaShape.Shape;
            var weights = new LlamaWeights(shape, sharedClassifier: false, RandomPayload(shape));
            string partialSource = SourcePath + ".partial";
            GgufWriter.Write(partialSource, weights, DecoderSettings.Llama2C, PeerModels.FillerTokenizer(shape.Vocab), GgufTensorType.F16, "tinyllama-shape-random");
            File.Move(partialSource, SourcePath, overwrite: true);
        }

        var type = fileType switch
        {
            "Q8_0" => LLamaFtype.MOSTLY_Q8_0,
            "Q4_0" => LLamaFtype.MOSTLY_Q4_0,
            "Q4_K_M" => LLamaFtype.MOSTLY_Q4_K_M,
            _ => throw new ArgumentOutOfRangeException(nameof(fileType), fileType, "The suite decodes Q8_0, Q4_0 and Q4_K_M."),
        };
        string partial = path + ".partial";
        LlamaCppQuantizer.Quantize(SourcePath, partial, type);
        File.Move(partial, path, overwrite: true);
        return path;
    }

    /// <summary>Bytes of the <paramref name="fileType"/> file: about what one decoded token reads.</summary>
    public static long FileBytes(string fileType) => File.Exists(PathOf(fileType)) ? new FileInfo(PathOf(fileType)).Length : 0;

    /// <summary><c>make-quantized-models</c>: writes the three files and says where.</summary>
    public static int Make()
    {
        var clock = Stopwatch.StartNew();
        foreach (string fileType in FileTypes)
        {
            string path = Get(fileType);
            Console.WriteLine($"{path} ({new FileInfo(path).Length:N0} bytes)");
        }

        Console.WriteLine($"done in {clock.Elapsed.TotalSeconds:F1} s");
        return 0;
    }

    /// <summary>Uniform weights in ±√(3/fan-in) (unit variance through the layers), norms near 1.</summary>
    private static float[] RandomPayload(ModelShape shape)
    {
        var payload = new float[LlamaWeights.PayloadLength(shape, sharedClassifier: false)];
        var random = new Random(Seed);
        foreach (var tensor in LlamaWeights.Layout(shape, sharedClassifier: false))
        {
            bool norm = tensor.Name.StartsWith("rms", StringComparison.Ordinal);
            float scale = norm ? 0.1f : MathF.Sqrt(3f / (tensor.Name == "w2" ? shape.HiddenDim : shape.Dim));
            var span = payload.AsSpan((int)tensor.Offset, (int)tensor.Length);
            for (int i = 0; i < span.Length; i++)
            {
                float u = 2 * random.NextSingle() - 1;
                span[i] = norm ? 1 + scale * u : scale * u;
            }
        }

        return payload;
    }

    /// <summary>A matrix of random blocks with moderate float16 scales, for the kernel suite.</summary>
    public static QuantizedMatrix RandomMatrix(GgufTensorType type, int rows, int columns, int seed)
    {
        var random = new Random(seed);
        int blockBytes = QuantizedBlocks.BlockBytes(type);
        var data = new byte[QuantizedBlocks.RowBytes(type, columns) * rows];
        if (type == GgufTensorType.F32)
        {
            var floats = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(data.AsSpan());
            for (int i = 0; i < floats.Length; i++)
            {
                floats[i] = 2 * random.NextSingle() - 1;
            }

            return new QuantizedMatrix(type, rows, columns, data);
        }

        random.NextBytes(data);
        int scaleOffset = type == GgufTensorType.Q6_K ? 208 : 0;
        int scales = type is GgufTensorType.Q4_K or GgufTensorType.Q5_K ? 2 : 1;
        for (int offset = 0; offset < data.Length; offset += blockBytes)
        {
            for (int s = 0; s < scales; s++)
            {
                var scale = (Half)(random.NextSingle() * 0.02f + 0.001f);
                System.Runtime.InteropServices.MemoryMarshal.Write(data.AsSpan(offset + scaleOffset + 2 * s), in scale);
            }
        }

        return new QuantizedMatrix(type, rows, columns, data);
    }
}
