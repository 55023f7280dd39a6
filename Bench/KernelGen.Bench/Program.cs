using BenchmarkDotNet.Running;

namespace KernelGen.Bench;

/// <summary>Runs the suites; pass BenchmarkDotNet's arguments, for example <c>--filter '*EndToEnd*'</c>.</summary>
public static class Program
{
    /// <summary>Entry point.</summary>
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
