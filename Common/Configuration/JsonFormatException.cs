using System;

namespace KernelGen.Configuration;

/// <summary>Text that is not valid JSON, with the 1-based line and column where reading stopped.</summary>
internal sealed class JsonFormatException : Exception
{
    public JsonFormatException(int line, int column, string reason)
        : base(reason)
    {
        Line = line;
        Column = column;
        Reason = reason;
    }

    public int Line { get; }

    public int Column { get; }

    /// <summary>What is wrong, without the position.</summary>
    public string Reason { get; }
}
