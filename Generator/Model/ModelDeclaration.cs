namespace KernelGen.Generator.Model;

/// <summary>
/// A <c>[TransformerModel]</c> class as written, reduced to values: what the parser reads from
/// symbols before any rule is checked. A class whose shape comes from a config file waits in this
/// form (inside <see cref="ParseResult.Pending"/>) until the file is read; it is equatable, so an
/// unchanged class and file still stop the pipeline early.
/// </summary>
/// <param name="DeclarationDiagnostics">Problems with the class itself (not partial, nested, generic).</param>
/// <param name="Arguments">The attribute's named int arguments (Dim, Layers, ...), with their locations.</param>
/// <param name="Location">The attribute, for diagnostics about it as a whole.</param>
/// <param name="ConfigFile">The <c>ConfigFile</c> argument, or null.</param>
/// <param name="ConfigFileLocation">Where <c>ConfigFile</c> is written.</param>
/// <param name="SparseAttributes">Every <c>[SparseAttention]</c> on the class, in source order.</param>
internal sealed record ModelDeclaration(
    string Namespace,
    string ClassName,
    EquatableArray<DiagnosticInfo> DeclarationDiagnostics,
    EquatableArray<ArgumentInfo> Arguments,
    LocationInfo? Location,
    string? ConfigFile,
    LocationInfo? ConfigFileLocation,
    EquatableArray<SparseDeclaration> SparseAttributes);
