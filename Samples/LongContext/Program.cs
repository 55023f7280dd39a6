using System;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using KernelGen.Caching;
using KernelGen.Kernels;
using KernelGen.Patterns;
using KernelGen.Samples.LongContext;

// Runs the attention of two sparse models on random activations (no trained sparse checkpoint is
// shipped): a prompt through prefill, then decode steps, next to the same shape with dense layers.
int length = args.Length > 0 && int.TryParse(args[0], NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : 4096;
if (length < 2 || length > LongContextModel.Shape.MaxSeqLen)
{
    Console.Error.WriteLine($"usage: long-context [prompt length, 2..{LongContextModel.Shape.MaxSeqLen}; default 4096]");
    return 2;
}

var shape = LongContextModel.Shape;
Console.WriteLine($"LongContextModel: {shape}");
for (int layer = 0; layer < shape.Layers; layer++)
{
    var pattern = LongContextModel.LayerPatterns[layer];
    int keys = Enumerable.Range(0, length).Count(j => pattern.Attends(0, shape.Heads, length - 1, j));
    Console.WriteLine($"  layer {layer}: {pattern,-40} query {length - 1} attends {keys} keys");
}

var random = new Random(1);
float[] Activations(int count) => Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
var q = Activations(length * shape.Dim);
var kv = Activations(length * shape.KvDim);
var output = new float[length * shape.Dim];

double sparseMs = Prefill(LongContextModel.CreateKernels());
double denseMs = Prefill(new GenericAttention(shape));
Console.WriteLine($"prefill of {length} tokens, all {shape.Layers} layers: sparse (generated) {sparseMs:F0} ms, all-dense (generic) {denseMs:F0} ms");

var streaming = StreamingModel.CreateKernels();
var cache = streaming.CreateCache();
var s = StreamingModel.Shape;
var token = Activations(s.Dim);
var tokenKv = Activations(s.KvDim);
var tokenOut = new float[s.Dim];
int steps = 3 * s.MaxSeqLen;
var clock = Stopwatch.StartNew();
for (int position = 0; position < steps; position++)
{
    for (int layer = 0; layer < s.Layers; layer++)
    {
        streaming.Decode(cache, layer, position, token, tokenKv, tokenKv, tokenOut);
    }
}

Console.WriteLine($"StreamingModel ({StreamingModel.LayerPatterns[0]}): decoded {steps} tokens, 3x its MaxSeqLen of {s.MaxSeqLen}, " +
    $"in {clock.ElapsedMilliseconds} ms; its KV cache stayed at {cache.Bytes / 1024} KiB ({cache.Layout(0).Capacity} slots per layer and KV head)");
return 0;

double Prefill(AttentionKernels kernels)
{
    var kvCache = kernels.CreateCache();
    var timer = Stopwatch.StartNew();
    for (int layer = 0; layer < kernels.Shape.Layers; layer++)
    {
        kernels.Prefill(kvCache, layer, 0, length, q, kv, kv, output);
    }

    return timer.Elapsed.TotalMilliseconds;
}
