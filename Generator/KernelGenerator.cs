using System.Linq;
using KernelGen.Generator.Emit;
using KernelGen.Generator.Model;
using KernelGen.Generator.Parsing;
using KernelGen.Generator.Planning;
using Microsoft.CodeAnalysis;

namespace KernelGen.Generator;

/// <summary>
/// Emits attention kernels specialized to each <c>[TransformerModel]</c> class.
/// </summary>
/// <remarks>
/// Pipeline: attribute → <see cref="ModelParser"/> → <see cref="ModelSpec"/> → <see cref="KernelPlanner"/>
/// → <see cref="KernelPlan"/> → <see cref="KernelEmitter"/> → <c>{Namespace}.{Class}.Kernels.g.cs</c>,
/// plus one <c>KernelGen.Microkernels.HeadDim{d}.{path}.g.cs</c> per (head_dim, SIMD path) the models use.
/// Only the parser sees symbols; every value after it is an equatable record, so an edit that
/// leaves a class's shape unchanged stops the pipeline at the first step.
/// </remarks>
[Generator(LanguageNames.CSharp)]
public sealed class KernelGenerator : IIncrementalGenerator
{
    private const string TransformerModelAttribute = "KernelGen.TransformerModelAttribute";

    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // Cheap: the compiler's attribute index finds candidate classes without binding anything
        // else; the transform reads the symbol once and returns plain values.
        var parsed = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                TransformerModelAttribute,
                predicate: static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.ClassDeclarationSyntax,
                transform: GeneratorFailures.Parse)
            .WithTrackingName(TrackingNames.Parse);

        // Config files (a model's shape) and layout patterns (block tables) are AdditionalFiles. Files
        // are reduced to (path, text) values; an edit to any of them reruns resolution, but an
        // unchanged result stops there.
        var files = context.AdditionalTextsProvider
            .Select(static (file, cancellationToken) => new AdditionalFileText(file.Path, file.GetText(cancellationToken)?.ToString() ?? string.Empty))
            .Collect()
            .Select(static (all, _) => all.ToEquatableArray())
            .WithTrackingName(TrackingNames.LayoutFiles);

        var resolved = parsed
            .Combine(files)
            .Select(static (pair, _) => GeneratorFailures.Resolve(pair.Left, pair.Right))
            .WithTrackingName(TrackingNames.Resolve);

        // Diagnostics travel as values (DiagnosticInfo) and become Diagnostics only here.
        var diagnostics = resolved
            .Select(static (result, _) => result.Diagnostics)
            .WithTrackingName(TrackingNames.Diagnostics);
        context.RegisterSourceOutput(diagnostics, static (output, infos) =>
        {
            foreach (var info in infos)
            {
                output.ReportDiagnostic(info.ToDiagnostic());
            }
        });

        // Equal specs stop here: the planner and emitter run only for a class whose shape changed.
        var specs = resolved
            .Where(static result => result.Spec is not null)
            .Select(static (result, _) => result.Spec!)
            .WithTrackingName(TrackingNames.Specs);

        // No exception leaves the generator: a step that throws reports KG0053 (GeneratorFailures).
        var plans = specs
            .Select(static (spec, _) => GeneratorFailures.Plan(spec))
            .WithTrackingName(TrackingNames.Plan);

        context.RegisterSourceOutput(plans, static (output, planned) =>
        {
            var (source, failure) = planned.Plan is { } plan ? GeneratorFailures.Emit(plan) : (null, planned.Failure);
            if (source is not null)
            {
                output.AddSource(planned.Plan!.HintName, source);
            }
            else if (failure is not null)
            {
                output.ReportDiagnostic(failure.ToDiagnostic());
            }
        });

        // Microkernels depend only on (head_dim, SIMD path): every model with the same head_dim
        // shares one set, emitted once in its own file. The distinct, ordered list is equatable, so
        // a new model with a head_dim already present leaves every microkernel file unchanged.
        var microkernels = plans
            .SelectMany(static (planned, _) => planned.Plan is { } plan ? plan.Microkernels : Enumerable.Empty<MicrokernelPlan>())
            .Collect()
            .SelectMany(static (all, _) => all.Distinct().OrderBy(m => m.HeadDim).ThenByDescending(m => m.Path.Bits))
            .WithTrackingName(TrackingNames.Microkernels);

        context.RegisterSourceOutput(microkernels, static (output, microkernel) =>
        {
            var (source, failure) = GeneratorFailures.EmitMicrokernels(microkernel);
            if (source is not null)
            {
                output.AddSource(microkernel.HintName, source);
            }
            else if (failure is not null)
            {
                output.ReportDiagnostic(failure.ToDiagnostic());
            }
        });
    }
}
