using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using KernelGen.Kernels;
using KernelGen.Kernels.Engine;
using KernelGen.Runtime.Tests.Models;

namespace KernelGen.Runtime.Tests;

/// <summary>The compiled test models by name, and the kernel sets to check for each.</summary>
internal static class KernelSets
{
    public static readonly IReadOnlyDictionary<string, (ModelShape Shape, Func<AttentionKernels> Generated)> Models =
        new Dictionary<string, (ModelShape, Func<AttentionKernels>)>
        {
            [nameof(MhaHeadDim8)] = (MhaHeadDim8.Shape, MhaHeadDim8.CreateKernels),
            [nameof(GqaHeadDim8)] = (GqaHeadDim8.Shape, GqaHeadDim8.CreateKernels),
            [nameof(MqaHeadDim8)] = (MqaHeadDim8.Shape, MqaHeadDim8.CreateKernels),
            [nameof(MhaHeadDim40)] = (MhaHeadDim40.Shape, MhaHeadDim40.CreateKernels),
            [nameof(GqaHeadDim40)] = (GqaHeadDim40.Shape, GqaHeadDim40.CreateKernels),
            [nameof(MqaHeadDim40)] = (MqaHeadDim40.Shape, MqaHeadDim40.CreateKernels),
            [nameof(MhaHeadDim64)] = (MhaHeadDim64.Shape, MhaHeadDim64.CreateKernels),
            [nameof(GqaHeadDim64)] = (GqaHeadDim64.Shape, GqaHeadDim64.CreateKernels),
            [nameof(MqaHeadDim64)] = (MqaHeadDim64.Shape, MqaHeadDim64.CreateKernels),
            [nameof(MhaHeadDim80)] = (MhaHeadDim80.Shape, MhaHeadDim80.CreateKernels),
            [nameof(GqaHeadDim80)] = (GqaHeadDim80.Shape, GqaHeadDim80.CreateKernels),
            [nameof(MqaHeadDim80)] = (MqaHeadDim80.Shape, MqaHeadDim80.CreateKernels),
            [nameof(MhaHeadDim128)] = (MhaHeadDim128.Shape, MhaHeadDim128.CreateKernels),
            [nameof(GqaHeadDim128)] = (GqaHeadDim128.Shape, GqaHeadDim128.CreateKernels),
            [nameof(MqaHeadDim128)] = (MqaHeadDim128.Shape, MqaHeadDim128.CreateKernels),
            [nameof(GqaHeadDim96)] = (GqaHeadDim96.Shape, GqaHeadDim96.CreateKernels),
            [nameof(MqaHeadDim6)] = (MqaHeadDim6.Shape, MqaHeadDim6.CreateKernels),
            [nameof(MqaHeadDim64x32)] = (MqaHeadDim64x32.Shape, MqaHeadDim64x32.CreateKernels),
        };

    /// <summary>The compiled sparse models: their kernels carry their layer patterns.</summary>
    public static readonly IReadOnlyDictionary<string, Func<AttentionKernels>> SparseModels =
        new Dictionary<string, Func<AttentionKernels>>
        {
            [nameof(MhaWindow)] = MhaWindow.CreateKernels,
            [nameof(GqaStrided)] = GqaStrided.CreateKernels,
            [nameof(MqaStridedSplit)] = MqaStridedSplit.CreateKernels,
            [nameof(MqaFixed)] = MqaFixed.CreateKernels,
            [nameof(GqaGlobal)] = GqaGlobal.CreateKernels,
            [nameof(GqaBigBird)] = GqaBigBird.CreateKernels,
            [nameof(GqaLayout)] = GqaLayout.CreateKernels,
            [nameof(GqaPaperForms)] = GqaPaperForms.CreateKernels,
            [nameof(GqaDeepSpeedForms)] = GqaDeepSpeedForms.CreateKernels,
            [nameof(GqaDeepSpeedLayout)] = GqaDeepSpeedLayout.CreateKernels,
            [nameof(GqaQueryAware)] = GqaQueryAware.CreateKernels,
            [nameof(MqaQueryAware)] = MqaQueryAware.CreateKernels,
        };

    /// <summary>Every (model, kernel set) pair except the reference itself.</summary>
    public static IEnumerable<object[]> ModelsAndKinds() =>
        Models.Keys.SelectMany(model => new[] { new object[] { model, "generated" }, new object[] { model, "generic" } });

    /// <summary>Makes every run of <paramref name="kernels"/> take <paramref name="algorithm"/>: their engine is found by its type, generated and generic alike.</summary>
    public static AttentionKernels Force(AttentionKernels kernels, string algorithm)
    {
        var field = kernels.GetType().GetFields(BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public)
            .Single(f => f.FieldType == typeof(AttentionEngine));
        ((AttentionEngine)field.GetValue(kernels)!).ForceAlgorithm(Enum.Parse<AttentionAlgorithm>(algorithm));
        return kernels;
    }

    public static AttentionKernels Create(string model, string kind)
    {
        var (shape, generated) = Models[model];
        return kind switch
        {
            "generated" => generated(),
            "generic" => new GenericAttention(shape),
            "reference" => new ReferenceAttention(shape),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };
    }
}
