namespace KernelGen.Generator;

/// <summary>Names of the pipeline steps, so tests can check what each run reused (the tests find every constant here by reflection).</summary>
internal static class TrackingNames
{
    /// <summary>Attribute found and read into a spec plus diagnostics.</summary>
    public const string Parse = nameof(Parse);

    /// <summary>AdditionalFiles reduced to (path, text).</summary>
    public const string LayoutFiles = nameof(LayoutFiles);

    /// <summary>Layout files read into the spec.</summary>
    public const string Resolve = nameof(Resolve);

    /// <summary>Diagnostics split from the parse result.</summary>
    public const string Diagnostics = nameof(Diagnostics);

    /// <summary>Valid specs only.</summary>
    public const string Specs = nameof(Specs);

    /// <summary>Specs planned into kernel plans.</summary>
    public const string Plan = nameof(Plan);

    /// <summary>The distinct (head_dim, SIMD path) microkernel sets of all plans, one output each.</summary>
    public const string Microkernels = nameof(Microkernels);
}
