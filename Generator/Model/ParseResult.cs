namespace KernelGen.Generator.Model;

/// <summary>The parser's answer for one annotated class: a spec when the class is valid, and its diagnostics.</summary>
internal sealed record ParseResult(ModelSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics);
