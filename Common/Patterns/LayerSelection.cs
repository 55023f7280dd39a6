using System.Collections.Generic;
using System.Globalization;

namespace KernelGen.Patterns;

/// <summary>Parses a layer list such as <c>"1,3,5,7"</c> or <c>"0-3, 8"</c> (0-based, inclusive ranges).</summary>
internal static class LayerSelection
{
    /// <summary>The selected layers, in order, or an error naming the bad part. Empty or null text selects every layer.</summary>
    public static bool TryParse(string? text, int layerCount, out List<int> layers, out string? error)
    {
        layers = new List<int>();
        error = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            for (int layer = 0; layer < layerCount; layer++)
            {
                layers.Add(layer);
            }

            return true;
        }

        var seen = new HashSet<int>();
        foreach (string rawPart in text!.Split(','))
        {
            string part = rawPart.Trim();
            int dash = part.IndexOf('-', 1 < part.Length ? 1 : 0);
            string first = dash > 0 ? part.Substring(0, dash).Trim() : part;
            string last = dash > 0 ? part.Substring(dash + 1).Trim() : part;
            if (!int.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out int from)
                || !int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out int to) || to < from)
            {
                error = "'" + part + "' is not a layer index or an ascending range like 0-3";
                return false;
            }

            if (to >= layerCount)
            {
                error = ShapeRulesFormat("layer {0} does not exist: the model has {1} layers (0 to {2})", to, layerCount, layerCount - 1);
                return false;
            }

            for (int layer = from; layer <= to; layer++)
            {
                if (!seen.Add(layer))
                {
                    error = ShapeRulesFormat("layer {0} is listed twice", layer);
                    return false;
                }

                layers.Add(layer);
            }
        }

        return true;
    }

    private static string ShapeRulesFormat(string format, params object[] args) =>
        string.Format(CultureInfo.InvariantCulture, format, args);
}
