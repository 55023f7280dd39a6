using System;
using BenchmarkDotNet.Running;
using KernelGen.Bench.Reporting;

// dotnet run -c Release --project Bench/KernelGen.Bench -- --filter '*Sparse*'   run benchmarks
// dotnet run -c Release --project Bench/KernelGen.Bench -- report                 results document
// dotnet run -c Release --project Bench/KernelGen.Bench -- make-model [folder]     the peer suites' GGUF files
if (args.Length > 0 && args[0] == "report")
{
    return ResultsReport.Run(args.AsSpan(1).ToArray());
}

if (args.Length > 0 && args[0] == "make-model")
{
    return KernelGen.Bench.LlamaCpp.PeerModels.Make(args.AsSpan(1).ToArray());
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
