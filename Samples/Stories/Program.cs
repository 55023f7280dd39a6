using System;
using KernelGen.Kernels;
using KernelGen.Samples.Stories;

var kernels = Stories260K.CreateKernels();
Console.WriteLine(kernels.Description);
