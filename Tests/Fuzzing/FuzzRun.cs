using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;

namespace KernelGen.Fuzzing;

/// <summary>
/// Runs the inputs of one fuzz target, each on its own thread with a time bound and an allocation
/// bound, and sorts the outcomes: accepted, refused with a project exception (grouped by type and
/// field), or a finding (any other exception, a hang, an allocation over the bound).
/// </summary>
internal sealed class FuzzRun
{
    /// <summary>Generous: the machine may be loaded; a hang or a quadratic blow-up still trips it.</summary>
    public static readonly TimeSpan TimeLimit = TimeSpan.FromSeconds(60);

    private readonly string _target;
    private readonly Func<Exception, string?> _classify;
    private readonly SortedDictionary<string, int> _outcomes = new(StringComparer.Ordinal);
    private readonly List<string> _findings = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    /// <param name="target">The target's name, for the summary.</param>
    /// <param name="classify">The outcome name of an expected exception, or null for a finding.</param>
    public FuzzRun(string target, Func<Exception, string?> classify)
    {
        _target = target;
        _classify = classify;
    }

    /// <summary>Inputs run so far.</summary>
    public int Inputs { get; private set; }

    /// <summary>What went wrong, one line each; empty when every input ended cleanly.</summary>
    public IReadOnlyList<string> Findings => _findings;

    /// <summary>
    /// Runs one input. <paramref name="check"/> may throw an expected exception (the input was
    /// refused), another exception (a finding), or return a finding's text for an accepted input
    /// that went wrong anyway (a generator that threw, say).
    /// </summary>
    public void Run(int seed, long maxAllocatedBytes, Func<string?> check) =>
        Run(seed, maxAllocatedBytes, () => (check(), (string?)null));

    /// <summary>
    /// Runs one input whose <paramref name="check"/> names its own outcome when it ends cleanly
    /// (the diagnostic IDs a generator run reported, say) beside any finding.
    /// </summary>
    public void Run(int seed, long maxAllocatedBytes, Func<(string? Finding, string? Outcome)> check)
    {
        Inputs++;
        var task = Task.Factory.StartNew(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            Exception? error = null;
            (string? Finding, string? Outcome) result = default;
            try
            {
                result = check();
            }
            catch (Exception e)
            {
                error = e;
            }

            return (error, result, GC.GetAllocatedBytesForCurrentThread() - before);
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        if (!task.Wait(TimeLimit))
        {
            Record(seed, $"did not finish within {TimeLimit.TotalSeconds} s");
            return;
        }

        var (exception, (problem, named), allocated) = task.Result;
        if (allocated > maxAllocatedBytes)
        {
            Record(seed, $"allocated {allocated} bytes, over the bound of {maxAllocatedBytes} ({exception?.GetType().Name ?? "accepted"})");
        }

        if (problem is not null)
        {
            Record(seed, problem);
        }
        else if (exception is null)
        {
            Count(named ?? "accepted");
        }
        else if (_classify(exception) is { } outcome)
        {
            Count(outcome);
        }
        else
        {
            Record(seed, $"{exception.GetType().Name}: {exception.Message} at {exception.StackTrace?.Split('\n').FirstOrDefault()?.Trim()}");
        }
    }

    /// <summary>The outcome name for a project exception: its type and field, numbers folded (<c>blk.#.attn_q.weight</c>).</summary>
    public static string Outcome(string type, string field)
    {
        string folded = Regex.Replace(field, @"\d+", "#");
        folded = Regex.Replace(folded, @"\p{C}", "?");
        return type + " (" + (folded.Length > 48 ? folded.Substring(0, 48) + "…" : folded) + ")";
    }

    /// <summary>One paragraph: inputs, time, and each outcome with its count.</summary>
    public string Summary() =>
        $"{_target}: {Inputs} inputs in {_clock.Elapsed.TotalSeconds:F1} s; {_findings.Count} findings\n" +
        string.Join("\n", _outcomes.Select(o => $"  {o.Value,6}  {o.Key}")) +
        (_findings.Count > 0 ? "\n" + string.Join("\n", _findings.Take(20).Select(f => "  FINDING " + f)) : "");

    private void Count(string outcome) => _outcomes[outcome] = _outcomes.GetValueOrDefault(outcome) + 1;

    private void Record(int seed, string what)
    {
        _findings.Add($"seed {seed}: {what}");
        Count("FINDING");
    }
}
