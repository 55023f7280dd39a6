using System;

namespace KernelGen.Checkpoints;

/// <summary>
/// A checkpoint file that cannot be used: missing, unreadable, truncated, followed by extra bytes,
/// or holding a header whose fields are invalid or do not match the model it is loaded into.
/// The message always names the file and the field (or tensor) that is wrong.
/// </summary>
public sealed class CheckpointException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="filePath">The checkpoint file, as the caller named it.</param>
    /// <param name="field">The header field or tensor at fault, for example <c>n_kv_heads</c> or <c>file size</c>.</param>
    /// <param name="message">What is wrong, already naming the file and the field.</param>
    /// <param name="innerException">The I/O or shape error behind this one, if any.</param>
    public CheckpointException(string filePath, string field, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        FilePath = filePath;
        Field = field;
    }

    /// <summary>The checkpoint file, as the caller named it.</summary>
    public string FilePath { get; }

    /// <summary>The header field or tensor at fault, for example <c>n_kv_heads</c>, <c>file size</c> or <c>w2</c>.</summary>
    public string Field { get; }
}
