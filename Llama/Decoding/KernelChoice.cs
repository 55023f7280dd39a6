namespace KernelGen.Decoding;

/// <summary>Which attention kernels a session runs.</summary>
public enum KernelChoice
{
    /// <summary>Kernels the source generator compiled for a <c>[TransformerModel]</c> class that accepts the shape; generic when there is none.</summary>
    Generated,

    /// <summary>The runtime's vectorized kernels for any shape.</summary>
    Generic,

    /// <summary>The scalar double-precision oracle.</summary>
    Reference,
}
