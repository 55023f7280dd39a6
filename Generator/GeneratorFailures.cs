using System;
using KernelGen.Generator.Diagnostics;
using KernelGen.Generator.Model;
using KernelGen.Generator.Parsing;
using KernelGen.Generator.Planning;

namespace KernelGen.Generator;

/// <summary>
/// Keeps every exception inside the generator: a step that throws becomes a KG0053 diagnostic
/// carrying the exception's type and message, instead of warning CS8785 and a build that then
/// fails on members that were never generated. Cancellation still propagates.
/// </summary>
internal static class GeneratorFailures
{
    /// <summary>The diagnostic for <paramref name="exception"/>, thrown while <paramref name="step"/> ran.</summary>
    public static DiagnosticInfo Diagnostic(string step, Exception exception, LocationInfo? location) =>
        DiagnosticInfo.Create(DiagnosticDescriptors.GeneratorFailed, location,
            "KernelGen failed while " + step + ": " + exception.GetType().Name + ": " + exception.Message + " (please report this with the attribute and files that caused it)");

    /// <summary>Parses one annotated class; a throw becomes a diagnostic at the class.</summary>
    public static ParseResult Parse(Microsoft.CodeAnalysis.GeneratorAttributeSyntaxContext context, System.Threading.CancellationToken cancellationToken)
    {
        try
        {
            return ModelParser.Parse(context, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new ParseResult(null, new[] { Diagnostic("reading the model's attributes", e, LocationInfo.From(context.TargetNode)) }.ToEquatableArray());
        }
    }

    /// <summary>Emits a plan's source; a throw, or a source over <see cref="GeneratorBudgets.MaxEmittedChars"/>, becomes a diagnostic instead.</summary>
    public static (string? Source, DiagnosticInfo? Failure) Emit(KernelPlan plan)
    {
        string source;
        try
        {
            source = KernelGen.Generator.Emit.KernelEmitter.Emit(plan);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return (null, Diagnostic("emitting the kernels of " + plan.Spec.ClassName, e, null));
        }

        if (source.Length > GeneratorBudgets.MaxEmittedChars)
        {
            return (null, DiagnosticInfo.Create(DiagnosticDescriptors.EmittedSourceTooLarge, null, Validation.ShapeRules.Format(
                "the kernels of {0} would be {1} characters of source, more than the {2} KernelGen writes for one model; use fewer layers or patterns, or larger blocks",
                plan.Spec.ClassName, source.Length, GeneratorBudgets.MaxEmittedChars)));
        }

        return (source, null);
    }

    /// <summary>Emits one shared microkernel file; a throw becomes a diagnostic instead.</summary>
    public static (string? Source, DiagnosticInfo? Failure) EmitMicrokernels(MicrokernelPlan microkernel)
    {
        try
        {
            return (KernelGen.Generator.Emit.KernelEmitter.EmitMicrokernels(microkernel), null);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return (null, Diagnostic("emitting the microkernels of " + microkernel.TypeName, e, null));
        }
    }

    /// <summary>Resolves config and layout files for a parsed class and checks the budgets; a throw becomes a diagnostic.</summary>
    public static ParseResult Resolve(ParseResult parsed, EquatableArray<AdditionalFileText> files)
    {
        try
        {
            return LayoutResolver.Resolve(ConfigResolver.Resolve(parsed, files), files);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new ParseResult(null, new[] { Diagnostic("reading the model's config and layout files", e, parsed.Pending?.Location) }.ToEquatableArray());
        }
    }

    /// <summary>Plans a spec; a throw becomes a plan-less result with its diagnostic.</summary>
    public static (KernelPlan? Plan, DiagnosticInfo? Failure) Plan(ModelSpec spec)
    {
        try
        {
            return (KernelPlanner.Plan(spec), null);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return (null, Diagnostic("planning the kernels of " + spec.ClassName, e, null));
        }
    }
}
