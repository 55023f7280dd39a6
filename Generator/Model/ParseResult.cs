namespace KernelGen.Generator.Model;

/// <summary>
/// The parser's answer for one annotated class: a spec when the class is valid, and its
/// diagnostics; or, for a class whose shape comes from a config file, the declaration waiting for
/// that file (<see cref="Pending"/>), which the resolve step completes.
/// </summary>
internal sealed record ParseResult(ModelSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics, ModelDeclaration? Pending = null);
