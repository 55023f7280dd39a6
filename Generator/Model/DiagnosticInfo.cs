using System.Linq;
using Microsoft.CodeAnalysis;

namespace KernelGen.Generator.Model;

/// <summary>
/// A diagnostic as a value: its descriptor, where it points, and its message arguments. Equatable,
/// so a re-run that finds the same problem is a cache hit.
/// </summary>
internal sealed record DiagnosticInfo(DiagnosticDescriptor Descriptor, LocationInfo? Location, EquatableArray<string> Arguments)
{
    /// <summary>A diagnostic whose arguments are made printable: a control character (a NUL byte read from a file, say) is written as <c>\uXXXX</c>, so the message stays one line every build log can carry.</summary>
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] arguments) =>
        new(descriptor, location, arguments.Select(Printable).ToEquatableArray());

    private static string Printable(string text)
    {
        if (!text.Any(char.IsControl))
        {
            return text;
        }

        var printable = new System.Text.StringBuilder(text.Length + 8);
        foreach (char c in text)
        {
            if (char.IsControl(c))
            {
                printable.Append("\\u").Append(((int)c).ToString("X4", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                printable.Append(c);
            }
        }

        return printable.ToString();
    }

    public Diagnostic ToDiagnostic() =>
        Diagnostic.Create(Descriptor, Location?.ToLocation(), Arguments.Select(a => (object?)a).ToArray());
}
