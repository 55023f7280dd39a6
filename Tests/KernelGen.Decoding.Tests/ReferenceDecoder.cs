using System;
using KernelGen.Checkpoints;

namespace KernelGen.Decoding.Tests;

/// <summary>
/// An independent forward pass for the tests: docs/FORMATS.md §1 written out as plainly as possible, in
/// double precision, sharing no code with the decoder (not even the attention kernels).
/// </summary>
internal sealed class ReferenceDecoder
{
    private readonly LlamaWeights _weights;
    private readonly ModelShape _shape;
    private readonly double[][] _keys;    // [layer][position * kv_dim]
    private readonly double[][] _values;  // [layer][position * kv_dim]

    public ReferenceDecoder(LlamaWeights weights)
    {
        _weights = weights;
        _shape = weights.Shape;
        _keys = new double[_shape.Layers][];
        _values = new double[_shape.Layers][];
        for (int l = 0; l < _shape.Layers; l++)
        {
            _keys[l] = new double[_shape.MaxSeqLen * _shape.KvDim];
            _values[l] = new double[_shape.MaxSeqLen * _shape.KvDim];
        }
    }

    public double[] Forward(int token, int pos)
    {
        int dim = _shape.Dim, kvDim = _shape.KvDim, hs = _shape.HeadDim, hidden = _shape.HiddenDim;
        var x = new double[dim];
        for (int i = 0; i < dim; i++)
        {
            x[i] = _weights.TokenEmbedding[token * dim + i];
        }

        for (int l = 0; l < _shape.Layers; l++)
        {
            var xb = RmsNorm(x, _weights.AttentionNorm(l));
            var q = MatVec(_weights.QueryProjection(l), xb, dim);
            var k = MatVec(_weights.KeyProjection(l), xb, kvDim);
            var v = MatVec(_weights.ValueProjection(l), xb, kvDim);
            for (int i = 0; i < dim; i += 2)
            {
                double freq = 1.0 / Math.Pow(10000.0, (i % hs) / (double)hs);
                double angle = pos * freq, c = Math.Cos(angle), s = Math.Sin(angle);
                Rotate(q, i, c, s);
                if (i < kvDim)
                {
                    Rotate(k, i, c, s);
                }
            }

            Array.Copy(k, 0, _keys[l], pos * kvDim, kvDim);
            Array.Copy(v, 0, _values[l], pos * kvDim, kvDim);

            var attention = new double[dim];
            for (int h = 0; h < _shape.Heads; h++)
            {
                int g = h / _shape.GroupSize;
                var scores = new double[pos + 1];
                double max = double.NegativeInfinity;
                for (int t = 0; t <= pos; t++)
                {
                    double dot = 0;
                    for (int d = 0; d < hs; d++)
                    {
                        dot += q[h * hs + d] * _keys[l][t * kvDim + g * hs + d];
                    }

                    scores[t] = dot / Math.Sqrt(hs);
                    max = Math.Max(max, scores[t]);
                }

                double sum = 0;
                for (int t = 0; t <= pos; t++)
                {
                    scores[t] = Math.Exp(scores[t] - max);
                    sum += scores[t];
                }

                for (int t = 0; t <= pos; t++)
                {
                    for (int d = 0; d < hs; d++)
                    {
                        attention[h * hs + d] += scores[t] / sum * _values[l][t * kvDim + g * hs + d];
                    }
                }
            }

            Add(x, MatVec(_weights.OutputProjection(l), attention, dim));
            xb = RmsNorm(x, _weights.FeedForwardNorm(l));
            var gate = MatVec(_weights.GateProjection(l), xb, hidden);
            var up = MatVec(_weights.UpProjection(l), xb, hidden);
            for (int i = 0; i < hidden; i++)
            {
                gate[i] = gate[i] / (1 + Math.Exp(-gate[i])) * up[i];
            }

            Add(x, MatVec(_weights.DownProjection(l), gate, dim));
        }

        x = RmsNorm(x, _weights.FinalNorm);
        return MatVec(_weights.Classifier, x, _shape.Vocab);
    }

    private static void Rotate(double[] v, int i, double c, double s)
    {
        double a = v[i], b = v[i + 1];
        v[i] = a * c - b * s;
        v[i + 1] = a * s + b * c;
    }

    private static void Add(double[] x, double[] y)
    {
        for (int i = 0; i < x.Length; i++)
        {
            x[i] += y[i];
        }
    }

    private static double[] RmsNorm(double[] x, ReadOnlySpan<float> w)
    {
        double ss = 0;
        foreach (double v in x)
        {
            ss += v * v;
        }

        double scale = 1 / Math.Sqrt(ss / x.Length + 1e-5);
        var o = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            o[i] = w[i] * x[i] * scale;
        }

        return o;
    }

    private static double[] MatVec(ReadOnlySpan<float> w, double[] x, int rows)
    {
        var y = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            double sum = 0;
            for (int c = 0; c < x.Length; c++)
            {
                sum += w[r * x.Length + c] * x[c];
            }

            y[r] = sum;
        }

        return y;
    }
}
