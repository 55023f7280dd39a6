using System.Globalization;

namespace KernelGen.Generator.Planning;

/// <summary>
/// One set of microkernels: the engine's inner loops for one head_dim on one SIMD path. It depends on
/// nothing else of a model, so every model of a compilation with this head_dim shares it, and the
/// generator emits it once, in its own file (as the Regex generator emits each shared helper once).
/// </summary>
/// <param name="HeadDim">Floats per head vector, a constant in the emitted code.</param>
/// <param name="Path">The SIMD path and how it covers head_dim.</param>
internal sealed record MicrokernelPlan(int HeadDim, SimdPath Path)
{
    /// <summary>The emitted struct's name, "HeadDim64Vector256Microkernels": shared by every model that uses it.</summary>
    public string TypeName => "HeadDim" + HeadDim.ToString(CultureInfo.InvariantCulture) + Path.Name + "Microkernels";

    /// <summary>The generated file's name, "KernelGen.Microkernels.HeadDim64.Vector256.g.cs".</summary>
    public string HintName => "KernelGen.Microkernels.HeadDim" + HeadDim.ToString(CultureInfo.InvariantCulture) + "." + Path.Name + ".g.cs";
}
