using Microsoft.ML.OnnxRuntime;

namespace KernelGen.Bench.Peers;

/// <summary>How every ONNX Runtime session of the peer benchmarks is configured.</summary>
public static class OnnxSessions
{
    /// <summary>
    /// A CPU session over <paramref name="model"/> whose operators run on <paramref name="threads"/>
    /// threads, the caller's included — the same count our shared worker pool uses
    /// (<c>Environment.ProcessorCount</c>), so both engines get the same cores.
    /// </summary>
    public static InferenceSession Create(byte[] model, int threads)
    {
        using var options = new SessionOptions
        {
            IntraOpNumThreads = threads,
            // One node: nothing to run in parallel between operators.
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING,
        };
        return new InferenceSession(model, options);
    }
}
