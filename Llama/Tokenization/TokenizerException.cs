using System;

namespace KernelGen.Tokenization;

/// <summary>
/// A tokenizer file that cannot be used: missing, unreadable, truncated, followed by extra bytes,
/// or holding an invalid field. The message always names the file and the field (and token id).
/// </summary>
public sealed class TokenizerException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="filePath">The tokenizer file, as the caller named it.</param>
    /// <param name="field">The field at fault, for example <c>max_token_length</c> or <c>len of token 17</c>.</param>
    /// <param name="message">What is wrong, already naming the file and the field.</param>
    /// <param name="innerException">The I/O error behind this one, if any.</param>
    public TokenizerException(string filePath, string field, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        FilePath = filePath;
        Field = field;
    }

    /// <summary>The tokenizer file, as the caller named it.</summary>
    public string FilePath { get; }

    /// <summary>The field at fault.</summary>
    public string Field { get; }
}
