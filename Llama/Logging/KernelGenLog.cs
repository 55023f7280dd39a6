using Microsoft.Extensions.Logging;

namespace KernelGen.Logging;

/// <summary>
/// What the runtime logs: loading a checkpoint and choosing kernels, once per model. Nothing is
/// logged per token. Source-generated, so a disabled level costs one check and no allocation.
/// </summary>
internal static partial class KernelGenLog
{
    [LoggerMessage(EventId = 1, EventName = "CheckpointLoaded", Level = LogLevel.Information,
        Message = "Loaded {Format} checkpoint '{Path}' in {Milliseconds:F1} ms: {Shape}; {Description}")]
    public static partial void CheckpointLoaded(ILogger logger, string format, string path, double milliseconds, ModelShape shape, string description);

    [LoggerMessage(EventId = 2, EventName = "NoEmbeddedTokenizer", Level = LogLevel.Information,
        Message = "Checkpoint '{Path}' embeds no usable tokenizer: {Problem}")]
    public static partial void NoEmbeddedTokenizer(ILogger logger, string path, string problem);

    [LoggerMessage(EventId = 3, EventName = "KernelsSelected", Level = LogLevel.Information,
        Message = "Attention kernels for {Shape}: {Name}: {Description}")]
    public static partial void KernelsSelected(ILogger logger, ModelShape shape, string name, string description);

    [LoggerMessage(EventId = 4, EventName = "GeneratedKernelsNotUsed", Level = LogLevel.Warning,
        Message = "Generated kernels not used for {Shape}: {Reason}; running the generic kernels")]
    public static partial void GeneratedKernelsNotUsed(ILogger logger, ModelShape shape, string reason);
}
