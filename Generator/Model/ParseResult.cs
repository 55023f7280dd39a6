namespace KernelGen.Generator.Model;

/// <summary>
/// The parser's answer for one annotated class: a spec when the class is valid, and its
/// diagnostics; or, for a class whose shape comes from a config file, the declaration waiting for
/// that file (<see cref="Pending"/>), which the resolve step completes.
/// </summary>
/// <param name="Spec">The model, when valid: only what changes the output (no source locations).</param>
/// <param name="Diagnostics">Problems found so far.</param>
/// <param name="Pending">A class waiting for its config file, or null.</param>
/// <param name="PatternSources">Where each of <c>Spec.Patterns</c> is written, index for index, for the resolve step's diagnostics.</param>
internal sealed record ParseResult(
    ModelSpec? Spec,
    EquatableArray<DiagnosticInfo> Diagnostics,
    ModelDeclaration? Pending = null,
    EquatableArray<PatternSource> PatternSources = default);
