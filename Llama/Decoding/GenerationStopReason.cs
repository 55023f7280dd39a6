namespace KernelGen.Decoding;

/// <summary>Why a generation with <see cref="GenerationOptions"/> ended.</summary>
public enum GenerationStopReason
{
    /// <summary><see cref="GenerationOptions.MaxNewTokens"/> tokens were generated.</summary>
    MaxNewTokens,

    /// <summary>The model picked the end-of-sequence token or BOS (<see cref="GenerationOptions.StopAtEndOfSequence"/>).</summary>
    EndOfSequence,

    /// <summary>The output reached one of <see cref="GenerationOptions.StopSequences"/>.</summary>
    StopSequence,

    /// <summary>The session's context is full.</summary>
    ContextFull,
}
