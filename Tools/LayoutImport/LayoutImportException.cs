using System;

namespace KernelGen.Tools.LayoutImport;

/// <summary>A tensor that is not a causal block layout KernelGen can compile; the message names the file and the block.</summary>
public sealed class LayoutImportException : Exception
{
    /// <summary>Creates the exception.</summary>
    public LayoutImportException(string message)
        : base(message)
    {
    }
}
