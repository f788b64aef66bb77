# -*- Python -*-
# lit configuration of the effattn regression tests.

import os

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "EFFATTN"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["CMakeLists.txt", "README.md", "lit.cfg.py", "lit.site.cfg.py", "Inputs"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.effattn_obj_root, "test")

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%effattn_src_root", config.effattn_src_root))
config.substitutions.append(("%effattn_obj_root", config.effattn_obj_root))
config.substitutions.append(("%llvm_tools_dir", config.llvm_tools_dir))
# Libraries and plugins of the build tree; CMake and compilers of the build,
# for tests that build a downstream project against the installed package.
config.substitutions.append(("%effattn_libs", config.effattn_libs_dir))
config.substitutions.append(("%cmake_command", config.cmake_command))
config.substitutions.append(("%cmake_make_program", config.cmake_make_program))
config.substitutions.append(("%cmake_c_compiler", config.cmake_c_compiler))
config.substitutions.append(("%cmake_cxx_compiler", config.cmake_cxx_compiler))

# Strict FileCheck: a [[VAR]] captured under one CHECK-LABEL is not visible
# under the next.
config.environment["FILECHECK_OPTS"] = "-enable-var-scope"

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

tool_dirs = [config.effattn_tools_dir, config.llvm_tools_dir]
tools = ["effattn-opt", "effattn-run", "effattn-compile", "effattn-capi-test", "llvm-readelf", ToolSubst("%mlir_opt", os.path.join(config.llvm_tools_dir, "mlir-opt"))]
llvm_config.add_tool_substitutions(tools, tool_dirs)

# The libFuzzer harness, in builds with EFFATTN_ENABLE_FUZZER (scripts/fuzz.sh,
# scripts/sanitize.sh): test/Fuzz replays what it found.
effattn_fuzz = os.path.join(config.effattn_tools_dir, "effattn-fuzz")
if os.access(effattn_fuzz, os.X_OK):
    config.available_features.add("effattn-fuzz")
    config.substitutions.append(("%effattn_fuzz", effattn_fuzz))

# GPU code generation: PTX checks run everywhere; ptxas checks need ptxas
# (PATH, or the CUDA toolkit at /usr/local/cuda), the lit feature `ptxas`.
import shutil

config.substitutions.append(
    ("%extract_gpu_binary",
     "%s %s" % (config.python_executable,
                os.path.join(config.effattn_src_root, "utils",
                             "extract-gpu-binary.py"))))
# The GPU benchmark's IR generator (bench/gpu/gpu_bench.py ir).
config.substitutions.append(
    ("%gpu_bench",
     "%s %s" % (config.python_executable,
                os.path.join(config.effattn_src_root, "bench", "gpu",
                             "gpu_bench.py"))))
config.substitutions.append(
    ("%effattn_tune",
     "%s %s" % (config.python_executable,
                os.path.join(config.effattn_src_root, "bench", "gpu",
                             "effattn_tune.py"))))
# nvdisasm for the SASS gates: PATH, or the copy scripts/setup.sh unpacks
# into the build tree.
nvdisasm = shutil.which("nvdisasm")
bundled = os.path.join(config.effattn_obj_root, "tools", "nvdisasm", "nvidia",
                       "cu13", "bin", "nvdisasm")
if not nvdisasm and os.access(bundled, os.X_OK):
    nvdisasm = bundled
if nvdisasm:
    config.available_features.add("nvdisasm")
    config.substitutions.append(("%nvdisasm", nvdisasm))
ptxas = shutil.which("ptxas")
if not ptxas and os.access("/usr/local/cuda/bin/ptxas", os.X_OK):
    ptxas = "/usr/local/cuda/bin/ptxas"
if ptxas:
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", ptxas))
    # The toolkit holding it, for gpu-module-to-binary (format=bin).
    config.substitutions.append(
        ("%cuda_path", os.path.dirname(os.path.dirname(os.path.realpath(ptxas)))))

# The CUDA runtime wrapper (runtime/) and a C compiler to link against it.
config.substitutions.append(
    ("%effattn_runtime_dir", os.path.join(config.effattn_obj_root, "lib")))
host_cc = os.path.join(config.llvm_tools_dir, "clang")
if not os.access(host_cc, os.X_OK):
    host_cc = shutil.which("cc")
if host_cc:
    config.available_features.add("host-cc")
    config.substitutions.append(("%host_cc", host_cc))
# The CUDA toolkit's stub libcuda: a driver library that drives no GPU.
for stub in ["/usr/local/cuda/lib64/stubs/libcuda.so",
             "/usr/local/cuda/targets/x86_64-linux/lib/stubs/libcuda.so"]:
    if os.path.exists(stub):
        config.available_features.add("cuda-stub-driver")
        config.substitutions.append(("%cuda_stub_driver", stub))
        break

# A CUDA GPU to run kernels on (test/Integration/GPU): nvidia-smi lists one.
# %cuda_chip is its architecture for --chip (sm_90a for compute capability
# 9.0, the arch-specific variant where there is one).
import subprocess

try:
    caps = subprocess.run(
        ["nvidia-smi", "--query-gpu=compute_cap", "--format=csv,noheader"],
        capture_output=True, text=True, timeout=30).stdout.split()
except (OSError, subprocess.SubprocessError):
    caps = []
if caps and caps[0].count(".") == 1:
    major, minor = caps[0].split(".")
    chip = "sm_%s%s" % (major, minor)
    if chip in ("sm_90", "sm_100", "sm_120"):
        chip += "a"
    config.available_features.add("cuda-device")
    config.substitutions.append(("%cuda_chip", chip))
