using System;
using System.Linq;
using KernelGen.Checkpoints;
using KernelGen.Patterns;
using KernelGen.Samples.Stories;
using KernelGen.Tokenization;
using Xunit;
using Xunit.Abstractions;

namespace KernelGen.Decoding.Tests;

/// <summary>
/// stories260K's greedy "Once upon a time" run (context 512) with query-aware block selection on
/// every layer — blocks of 16, the CLI's 4 sinks and a window of one block — at budgets 64, 128
/// and 256, against the dense run. Reported in the test output, as the KV-cache formats are: the
/// dense run's tokens forced through the sparse session (at how many positions the likeliest next
/// token is dense's, and the largest logit difference), and the free-running story (how many
/// tokens match before the first difference).
/// </summary>
/// <remarks>
/// Measured (generic kernels, Vector512): budget 256 — 512/512 forced positions agree, largest logit
/// difference 0.48, all 512 free-running tokens dense's; 128 — 501/512, 3.41, 181; 64 — 477/512,
/// 4.91, 61. The first logit moves exactly where the first block is dropped (48, 112, 240).
/// Not asserted equal: a budget under the context drops keys on purpose. What is asserted: the
/// selection really drops keys (some logit moves) once the context passes the budget, and not before.
/// </remarks>
public sealed class QueryAwareGoldenTests(ITestOutputHelper log)
{
    private const int Positions = 512;

    private static readonly Llama2cCheckpoint Checkpoint = Llama2cCheckpoint.Load(TestFiles.ModelPath);
    private static readonly LlamaTokenizer Tokenizer = LlamaTokenizer.Load(TestFiles.TokenizerPath, 512);

    [Theory]
    [InlineData(64)]
    [InlineData(128)]
    [InlineData(256)]
    public void Stories260K_QueryAware_AgainstDense(int budget)
    {
        var pattern = AttentionPattern.QueryAware(16, budget, StoryOptions.DefaultQueryAwareSinks, 16);
        var dense = Session(null);
        var prompt = Tokenizer.Encode("Once upon a time");
        var tokens = new int[Positions + 1];
        var logits = new float[Positions][];
        prompt.CopyTo(tokens, 0);
        for (int position = 0; position < Positions; position++)
        {
            logits[position] = dense.Forward(tokens[position], position).ToArray();
            if (position + 1 >= prompt.Length)
            {
                tokens[position + 1] = ArgMax(logits[position]);
            }
        }

        // The dense run's tokens forced through the query-aware session.
        var session = Session(pattern);
        int agree = 0, firstMoved = -1;
        double largest = 0;
        for (int position = 0; position < Positions; position++)
        {
            var sparse = session.Forward(tokens[position], position);
            double here = 0;
            for (int i = 0; i < sparse.Length; i++)
            {
                here = Math.Max(here, Math.Abs(sparse[i] - logits[position][i]));
            }

            if (here > 1e-4 && firstMoved < 0)
            {
                firstMoved = position;
            }

            largest = Math.Max(largest, here);
            agree += ArgMax(sparse) == ArgMax(logits[position]) ? 1 : 0;
        }

        // Free running: the query-aware greedy story against dense's.
        var free = Session(pattern);
        int same = 0;
        for (int position = 0; position < Positions; position++)
        {
            var next = free.Forward(tokens[position], position);
            if (position + 1 >= prompt.Length && ArgMax(next) != tokens[position + 1])
            {
                break;
            }

            same++;
        }

        log.WriteLine($"{pattern} on every layer, generic kernels, stories260K greedy \"Once upon a time\", {Positions} positions:");
        log.WriteLine($"  dense's tokens forced: likeliest next token agrees at {agree} of {Positions} positions; largest logit difference {largest:F4} (first logit moved at position {firstMoved})");
        log.WriteLine($"  free running: the first {same} of {Positions} tokens are dense's");

        // Exactly dense while the candidate blocks (those before the window) fit the k the budget
        // leaves: until position 16 + 16k, where the first block is dropped.
        int denseUntil = 16 + 16 * ((budget - StoryOptions.DefaultQueryAwareSinks - 16) / 16);
        Assert.True(firstMoved >= denseUntil, $"a logit moved at {firstMoved}, while the budget of {budget} still covered every key (until {denseUntil})");
        Assert.True(largest > 0, "a budget under the context must drop keys");
    }

    private static DecoderSession Session(AttentionPattern? pattern)
    {
        var patterns = pattern is null ? null : Enumerable.Repeat(pattern, Checkpoint.Shape.Layers).ToArray();
        var kernels = KernelSelection.Create(Checkpoint.Shape, KernelChoice.Generic, out _, patterns);
        return new LlamaDecoder(Checkpoint).CreateSession(kernels);
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }
}
