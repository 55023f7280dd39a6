using System;

namespace KernelGen.Tools.LayoutImport;

/// <summary>A .npy file that cannot be read: the message names the file and what is wrong with it.</summary>
public sealed class NpyFormatException : Exception
{
    /// <summary>Creates the exception for <paramref name="path"/>.</summary>
    public NpyFormatException(string path, string problem)
        : base(path + ": " + problem)
    {
        Path = path;
        Problem = problem;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>What is wrong, without the file name.</summary>
    public string Problem { get; }
}
