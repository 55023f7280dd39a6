using System.Linq;
using Microsoft.CodeAnalysis;

namespace KernelGen.Generator.Model;

/// <summary>
/// A diagnostic as a value: its descriptor, where it points, and its message arguments. Equatable,
/// so a re-run that finds the same problem is a cache hit.
/// </summary>
internal sealed record DiagnosticInfo(DiagnosticDescriptor Descriptor, LocationInfo? Location, EquatableArray<string> Arguments)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] arguments) =>
        new(descriptor, location, arguments.ToEquatableArray());

    public Diagnostic ToDiagnostic() =>
        Diagnostic.Create(Descriptor, Location?.ToLocation(), Arguments.Select(a => (object?)a).ToArray());
}
