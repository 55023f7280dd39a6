using System;
using KernelGen.Kernels;
using KernelGen.Samples.Stories;

// Until the decoder lands, the sample shows what was specialized and checks the generated kernels
// against the reference on random inputs.
var generated = Stories260K.CreateKernels();
var reference = new ReferenceAttention(Stories260K.Shape);
Console.WriteLine($"model:   {Stories260K.Shape}");
Console.WriteLine($"kernels: {generated.Description}");

var random = new Random(42);
var shape = Stories260K.Shape;
var cache = generated.CreateCache();
var referenceCache = reference.CreateCache();
double worst = 0;
for (int position = 0; position < shape.MaxSeqLen; position++)
{
    var q = Random(shape.Dim);
    var k = Random(shape.KvDim);
    var v = Random(shape.KvDim);
    var actual = new float[shape.Dim];
    var expected = new float[shape.Dim];
    generated.Decode(cache, 0, position, q, k, v, actual);
    reference.Decode(referenceCache, 0, position, q, k, v, expected);
    for (int i = 0; i < actual.Length; i++)
    {
        worst = Math.Max(worst, Math.Abs(actual[i] - expected[i]));
    }
}

Console.WriteLine($"check:   {shape.MaxSeqLen} decode steps against the reference, largest difference {worst:E2}");

float[] Random(int n)
{
    var values = new float[n];
    for (int i = 0; i < n; i++)
    {
        values[i] = (float)(random.NextDouble() * 2 - 1);
    }

    return values;
}
