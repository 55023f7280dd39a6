using System;
using System.Collections.Generic;
using KernelGen.Checkpoints;
using KernelGen.Samples.Stories;
using Microsoft.Extensions.Logging;
using Xunit;

namespace KernelGen.Decoding.Tests;

/// <summary>Load and kernel-selection events reach an ILogger, with their ids, levels and what they name.</summary>
public sealed class LoggingTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void LoadingACheckpointLogsWhatWasRead()
    {
        var logger = new RecordingLogger();
        var checkpoint = ModelCheckpoint.Load(TestFiles.ModelPath, logger);

        var entry = Assert.Single(logger.Entries);
        Assert.Equal(LogLevel.Information, entry.Level);
        Assert.Equal("CheckpointLoaded", entry.Event.Name);
        Assert.Contains(TestFiles.ModelPath, entry.Message, StringComparison.Ordinal);
        Assert.Contains(checkpoint.Shape.ToString(), entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ChoosingKernelsLogsTheChoiceAndAFallbackAsAWarning()
    {
        Assert.NotNull(Stories260K.Shape);   // registers the generated kernels
        var logger = new RecordingLogger();
        var checkpoint = ModelCheckpoint.Load(TestFiles.ModelPath);
        KernelSelection.Create(checkpoint.Shape, KernelChoice.Generated, out _, logger: logger);
        var selected = Assert.Single(logger.Entries);
        Assert.Equal("KernelsSelected", selected.Event.Name);
        Assert.Contains("generated (Stories260K)", selected.Message, StringComparison.Ordinal);
        Assert.Contains("SIMD path", selected.Message, StringComparison.Ordinal);

        logger.Entries.Clear();
        var other = new ModelShape(32, 2, 4, 2, 64, 48, 512);
        KernelSelection.Create(other, KernelChoice.Generated, out string? reason, logger: logger);
        Assert.NotNull(reason);
        Assert.Equal(2, logger.Entries.Count);
        Assert.Equal(LogLevel.Warning, logger.Entries[0].Level);
        Assert.Equal("GeneratedKernelsNotUsed", logger.Entries[0].Event.Name);
        Assert.Contains(reason, logger.Entries[0].Message, StringComparison.Ordinal);
        Assert.Equal("KernelsSelected", logger.Entries[1].Event.Name);
    }

    [Fact]
    public void ADisabledLevelLogsNothing()
    {
        var logger = new RecordingLogger { Minimum = LogLevel.Warning };
        ModelCheckpoint.Load(TestFiles.ModelPath, logger);
        Assert.Empty(logger.Entries);
    }

    private sealed class RecordingLogger : ILogger
    {
        public List<(LogLevel Level, EventId Event, string Message)> Entries { get; } = [];

        public LogLevel Minimum { get; init; } = LogLevel.Trace;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= Minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                Entries.Add((logLevel, eventId, formatter(state, exception)));
            }
        }
    }
}
