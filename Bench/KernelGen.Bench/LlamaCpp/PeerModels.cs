using System;
using System.Diagnostics;
using System.IO;
using KernelGen.Checkpoints;
using KernelGen.Decoding;
using KernelGen.Tokenization;

namespace KernelGen.Bench.LlamaCpp;

/// <summary>
/// The GGUF files both engines decode in the peer benchmark, written by KernelGen's GGUF writer into a
/// temporary folder (never into the repository): stories260K exported from its llama2.c file, and a
/// random-weight model of <see cref="Mqa768"/>'s shape, and one of <see cref="KvCachePeer4096"/>'s for the
/// compressed-cache suite. Made on first use; <c>make-model</c> makes them ahead.
/// </summary>
internal static class PeerModels
{
    /// <summary>Seed of the random model's weights: the same file every time.</summary>
    public const int Seed = 768;

    /// <summary>The folder the files go to: <c>$TMPDIR/kernelgen-bench</c>, or the one given to <c>make-model</c>.</summary>
    public static string Folder { get; set; } = Path.Combine(Path.GetTempPath(), "kernelgen-bench");

    public static string StoriesPath => Path.Combine(Folder, "stories260K-f32.gguf");

    public static string MqaPath => Path.Combine(Folder, "mqa-768x12-kv1-ctx4096-f32.gguf");

    /// <summary>stories260K as F32 GGUF, written if missing.</summary>
    public static string Stories()
    {
        if (!File.Exists(StoriesPath))
        {
            Directory.CreateDirectory(Folder);
            GgufWriter.Write(StoriesPath, StoriesModel.Checkpoint.Weights, DecoderSettings.Llama2C, StoriesModel.Tokenizer, name: "stories260K");
        }

        return StoriesPath;
    }

    /// <summary>The random MQA model as F32 GGUF, written if missing (about 390 MB).</summary>
    public static string Mqa()
    {
        if (!File.Exists(MqaPath))
        {
            Directory.CreateDirectory(Folder);
            var shape = Mqa768.Shape;
            var weights = new LlamaWeights(shape, sharedClassifier: false, RandomPayload(shape));
            string partial = MqaPath + ".partial";
            GgufWriter.Write(partial, weights, DecoderSettings.Llama2C, FillerTokenizer(shape.Vocab), name: "mqa-768-random");
            File.Move(partial, MqaPath, overwrite: true);
        }

        return MqaPath;
    }

    public static string KvCachePeerPath => Path.Combine(Folder, "mha-4096x1-kv32-ctx16384-f32.gguf");

    /// <summary>The random model of <see cref="KvCachePeer4096"/>'s shape as F32 GGUF, written if missing (about 350 MB).</summary>
    public static string KvCachePeer()
    {
        if (!File.Exists(KvCachePeerPath))
        {
            Directory.CreateDirectory(Folder);
            var shape = KvCachePeer4096.Shape;
            var weights = new LlamaWeights(shape, sharedClassifier: false, RandomPayload(shape));
            string partial = KvCachePeerPath + ".partial";
            GgufWriter.Write(partial, weights, DecoderSettings.Llama2C, FillerTokenizer(shape.Vocab), name: "mha-4096-random");
            File.Move(partial, KvCachePeerPath, overwrite: true);
        }

        return KvCachePeerPath;
    }

    /// <summary><c>make-model [folder]</c>: writes every file and says where.</summary>
    public static int Make(string[] args)
    {
        if (args.Length > 0)
        {
            Folder = Path.GetFullPath(args[0]);
        }

        var clock = Stopwatch.StartNew();
        Console.WriteLine($"{Stories()} ({new FileInfo(StoriesPath).Length:N0} bytes)");
        Console.WriteLine($"{Mqa()} ({new FileInfo(MqaPath).Length:N0} bytes), {Mqa768.Shape}");
        Console.WriteLine($"{KvCachePeer()} ({new FileInfo(KvCachePeerPath).Length:N0} bytes), {KvCachePeer4096.Shape}");
        Console.WriteLine($"done in {clock.Elapsed.TotalSeconds:F1} s");
        return 0;
    }

    /// <summary>
    /// Seeded uniform weights scaled by 1/√fan-in so activations stay in range over twelve layers;
    /// RMSNorm weights near 1.
    /// </summary>
    private static float[] RandomPayload(ModelShape shape)
    {
        var payload = new float[LlamaWeights.PayloadLength(shape, sharedClassifier: false)];
        var random = new Random(Seed);
        foreach (var tensor in LlamaWeights.Layout(shape, sharedClassifier: false))
        {
            bool norm = tensor.Name.StartsWith("rms", StringComparison.Ordinal);
            bool down = tensor.Name == "w2";
            float scale = norm ? 0.1f : MathF.Sqrt(3f / (down ? shape.HiddenDim : shape.Dim));
            var span = payload.AsSpan((int)tensor.Offset, (int)tensor.Length);
            for (int i = 0; i < span.Length; i++)
            {
                float u = 2 * random.NextSingle() - 1;
                span[i] = norm ? 1 + scale * u : scale * u;
            }
        }

        return payload;
    }

    /// <summary>tok512's 512 pieces, then filler pieces up to Llama's 32000: a vocabulary llama.cpp loads, of the model's size.</summary>
    internal static LlamaTokenizer FillerTokenizer(int vocab)
    {
        var tok512 = StoriesModel.Tokenizer;
        var pieces = new byte[vocab][];
        var scores = new float[vocab];
        for (int id = 0; id < vocab; id++)
        {
            pieces[id] = id < tok512.VocabSize ? tok512.Piece(id).ToArray() : System.Text.Encoding.UTF8.GetBytes($"<unused{id}>");
            scores[id] = id < tok512.VocabSize ? tok512.Score(id) : -1e6f;
        }

        return LlamaTokenizer.Create("tok512 + filler", pieces, scores);
    }
}
