using System;
using BenchmarkDotNet.Running;
using KernelGen.Bench.Reporting;

// dotnet run -c Release --project Bench/KernelGen.Bench -- --filter '*Sparse*'   run benchmarks
// dotnet run -c Release --project Bench/KernelGen.Bench -- report                 results document
// dotnet run -c Release --project Bench/KernelGen.Bench -- make-model [folder]     the peer suites' GGUF files
// dotnet run -c Release --project Bench/KernelGen.Bench -- make-quantized-models  the quantized peer suite's files (llama.cpp quantizes them)
if (args.Length > 0 && args[0] == "report")
{
    return ResultsReport.Run(args.AsSpan(1).ToArray());
}

if (args.Length > 0 && args[0] == "make-model")
{
    return KernelGen.Bench.LlamaCpp.PeerModels.Make(args.AsSpan(1).ToArray());
}

if (args.Length > 0 && args[0] == "make-quantized-models")
{
    return KernelGen.Bench.Quantized.QuantizedModels.Make();
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
