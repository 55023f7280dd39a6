using System;
using System.Collections.Generic;
using System.Linq;

namespace KernelGen.Bench.Reporting;

/// <summary>Least-squares fits for the report.</summary>
internal static class Fit
{
    /// <summary>The slope of log(y) against log(x): the exponent k in y ∝ x^k.</summary>
    public static double LogLogSlope(IReadOnlyList<(double X, double Y)> points)
    {
        var logs = points.Select(p => (X: Math.Log(p.X), Y: Math.Log(p.Y))).ToList();
        double meanX = logs.Average(p => p.X), meanY = logs.Average(p => p.Y);
        double covariance = logs.Sum(p => (p.X - meanX) * (p.Y - meanY));
        double variance = logs.Sum(p => (p.X - meanX) * (p.X - meanX));
        return covariance / variance;
    }
}
